"""holdtrack: tells sustained self-myofascial-release holds apart from rolling.

This folder is the ``holdtrack`` command; the work lives in ``holdtrack.analysis``,
``holdtrack.sensing``, ``holdtrack.dashboard`` and ``holdtrack.simulation``.
"""
