"""holdtrack: tells sustained self-myofascial-release holds apart from rolling."""

__version__ = "0.1.0"
