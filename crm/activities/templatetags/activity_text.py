"""The ``note_text`` filter: an activity's plain text shown with paragraphs, line breaks, lists and links.

The text is stored as typed and is always treated as plain text: every
character of it is escaped (a ``<script>`` shows as text, and so does text that
already looks escaped). What it adds is a little structure read from the lines:

- a blank line starts a new paragraph, a line break inside a paragraph stays one;
- lines starting "- " or "* " make a bulleted list, "1. " or "2) " a numbered one
  (numbered from the first line's number); an indented line after an item goes on
  with that item;
- http://, https:// and mailto: addresses, and bare addresses starting "www.",
  become links (rel="nofollow noopener noreferrer"). No other scheme is ever a
  link: "javascript:" and "data:" stay text.

Django's ``urlize`` is not used: it also links bare domains ("example.com") and
e-mail addresses, and its ``rel`` is "nofollow" only.
"""

import re
from dataclasses import dataclass, field

from django import template
from django.utils.html import escape, format_html, format_html_join

register = template.Library()

BULLET = re.compile(r"\s*[-*]\s+(?P<text>.*)")
NUMBERED = re.compile(r"\s*(?P<number>\d{1,9})[.)]\s+(?P<text>.*)")
BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
# Where an address starts (never inside a word) and where it ends: at a space or a character HTML would quote.
LINK = re.compile(r"(?<![\w@.:/-])(?:https?://|mailto:|www\.)[^\s<>\"]+", re.IGNORECASE)
# Trailing characters that end a sentence rather than the address ("see https://example.com.").
TRAILING = ".,:;!?'\"*"
CLOSING = {")": "(", "]": "[", "}": "{"}
REL = "nofollow noopener noreferrer"


def _trim(address):
    """``address`` without the punctuation that follows it."""
    unopened = {closing: address.count(closing) - address.count(opening) for closing, opening in CLOSING.items()}
    end = len(address)
    while end:
        last = address[end - 1]
        if last in TRAILING:
            end -= 1
        elif unopened.get(last, 0) > 0:
            unopened[last] -= 1  # a closing bracket the address did not open: "(see https://example.com)"
            end -= 1
        else:
            break
    return address[:end]


def _href(address):
    """Where ``address`` links to, or None when it is only a scheme ("https://", "mailto:")."""
    lowered = address.lower()
    if lowered.startswith("www."):
        return f"https://{address}" if len(address) > len("www.") else None
    scheme = "mailto:" if lowered.startswith("mailto:") else lowered.split("//", 1)[0] + "//"
    body = address[len(scheme) :]
    if not body or (scheme == "mailto:" and "@" not in body.strip("@")):
        return None
    return address


def _inline(text):
    """One line of text, escaped, with its addresses as links."""
    pieces = []
    start = 0
    for match in LINK.finditer(text):
        address = _trim(match.group())
        href = _href(address)
        if href is None:
            continue
        pieces.append(escape(text[start : match.start()]))
        pieces.append(format_html('<a href="{}" rel="{}">{}</a>', href, REL, address))
        start = match.start() + len(address)
    pieces.append(escape(text[start:]))
    return format_html_join("", "{}", ((piece,) for piece in pieces))


def _lines(lines):
    """Lines of a paragraph or of a list item, joined by line breaks."""
    *first, last = lines
    return format_html("{}{}", format_html_join("", "{}<br>\n", ((_inline(line),) for line in first)), _inline(last))


@dataclass
class _Block:
    """A run of a paragraph's lines: plain ("p"), bulleted ("ul") or numbered ("ol"), each item a list of lines."""

    kind: str
    items: list = field(default_factory=list)
    start: int = 1

    def html(self):
        if self.kind == "p":
            return format_html("<p>{}</p>", _lines(self.items[0]))
        entries = format_html_join("\n", "<li>{}</li>", ((_lines(lines),) for lines in self.items))
        if self.kind == "ul":
            return format_html("<ul>\n{}\n</ul>", entries)
        if self.start == 1:
            return format_html("<ol>\n{}\n</ol>", entries)
        return format_html('<ol start="{}">\n{}\n</ol>', self.start, entries)


def _blocks(paragraph):
    """The paragraph's runs of plain lines, bulleted items and numbered items, in order."""
    blocks = []
    for line in paragraph.split("\n"):
        line = line.rstrip()
        last = blocks[-1] if blocks else None
        if match := BULLET.fullmatch(line) or NUMBERED.fullmatch(line):
            kind = "ol" if match.re is NUMBERED else "ul"
            if last is None or last.kind != kind:
                last = _Block(kind, start=int(match["number"]) if kind == "ol" else 1)
                blocks.append(last)
            last.items.append([match["text"].strip()])
        elif last is not None and last.kind != "p" and line[:1].isspace():
            last.items[-1].append(line.strip())  # an indented line goes on with the item above it
        elif last is not None and last.kind == "p":
            last.items[0].append(line.strip())
        else:
            blocks.append(_Block("p", [[line.strip()]]))
    return blocks


@register.filter
def note_text(value):
    """``value``, plain text, as escaped HTML paragraphs, lists and links (nothing for None)."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    blocks = [block for paragraph in BLANK_LINES.split(text) for block in _blocks(paragraph)]
    return format_html_join("\n", "{}", ((block.html(),) for block in blocks))
