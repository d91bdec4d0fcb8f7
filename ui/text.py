"""Text that came from a file or a URL, shown as text: never markdown, HTML or a link."""

import re

MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:^=&])")
AUTOLINKS = re.compile(r"(?i)(https?|ftp|mailto|www|@)")  # where GFM starts a bare link
WORD_JOINER = "\u2060"  # invisible; splits "http://", "www." and "a@b" so none becomes a link


def as_text(text: str) -> str:
    """``text`` escaped for Streamlit's markdown, so that it shows as typed: text from a URL
    or a file is data, never markup (nor a link: bare URLs are autolinked after escapes)."""
    escaped = MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(str(text).split()))
    return AUTOLINKS.sub(lambda match: match.group(1) + WORD_JOINER, escaped)
