"""Names and ids shown as they are: nothing a person types turns into formatting or a link."""

from __future__ import annotations

MARKDOWN_SPECIALS = set("\\`*_[]<>#|~$")  # what could turn a name into formatting or a link


def plain(text: str) -> str:
    """Text shown as it is: Markdown and HTML in names and ids are not interpreted."""
    return "".join("\\" + c if c in MARKDOWN_SPECIALS else c for c in str(text))
