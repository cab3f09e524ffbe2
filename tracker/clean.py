"""Untrusted text made safe to keep and to print.

Headlines, outlets and article bodies come from anyone on the internet. A control
character in them would drive the terminal of an analyst running `tracker status` (an
escape sequence can rewrite the screen or the window title), and a bidi override would
show a headline reversed. ``clean_text`` removes both before an article is stored;
``one_line`` also folds line breaks and tabs, for table cells. HTML escaping is the
renderer's job (see tracker.render).
"""

from __future__ import annotations

# C0 controls but tab, line feed and carriage return; DEL; C1 controls; the bidi
# embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
_UNSAFE = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F,
                         *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_ONE_LINE = {**_UNSAFE, 0x09: " ", 0x0A: " ", 0x0D: " "}


def clean_text(text: str) -> str:
    """``text`` without control characters (but tab and line breaks) or bidi overrides."""
    return text.translate(_UNSAFE)


def one_line(text: str) -> str:
    """``text`` safe for one terminal line: also no tab or line break."""
    return text.translate(_ONE_LINE)
