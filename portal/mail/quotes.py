"""What the customer actually wrote: quoted history, signatures and HTML taken away."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

# "On Tue, 3 Mar 2026 at 10:00, Caseloop <reply+…> wrote:" and its siblings in a few
# languages; clients often wrap it over two lines, so the pattern is tried on pairs too.
_ATTRIBUTION = re.compile(
    r"^(on\b.+\bwrote:|le\b.+\ba écrit\s?:|am\b.+\bschrieb\b.*:|el\b.+\bescribió:"
    r"|op\b.+\bschreef\b.*:)$",
    re.IGNORECASE,
)
_CUT_LINES = re.compile(
    r"^(-{2,}\s*original message\s*-{2,}|_{20,}|-{5,}\s*reply above this line\s*-{5,})$",
    re.IGNORECASE,
)
_FORWARD = re.compile(
    r"^(-+\s*forwarded message\s*-+|begin forwarded message:|-+\s*weitergeleitete nachricht"
    r"\s*-+|-+\s*message transféré\s*-+)$",
    re.IGNORECASE,
)
_OUTLOOK_HEADER = re.compile(r"^(from|von|de):\s.+", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^(sent|date|gesendet|envoyé|to|subject):\s", re.IGNORECASE)
_DEVICE_LINE = re.compile(
    r"^(sent from my .{1,40}|sent from (mail|outlook) for .{1,30}|get outlook for .{1,30}"
    r"|sent from yahoo mail.*|envoyé de mon .{1,40}|von meinem .{1,40} gesendet)$",
    re.IGNORECASE,
)

# Tags kept when sanitising inbound HTML; everything else (scripts, styles, handlers) goes.
ALLOWED_TAGS = {"a", "b", "blockquote", "br", "div", "em", "h1", "h2", "h3", "h4", "i", "li",
                "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "tr", "u",
                "ul"}
_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "pre", "table", "ul", "ol"}


def strip_quotes(text: str) -> str:
    """The new part of a reply: stops at the quoted history or the signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        bare = line.strip()
        if _FORWARD.match(bare):
            # What follows is someone else's mail the customer wants us to read: keep it all.
            kept += [x.rstrip() for x in lines[i:]]
            break
        joined = f"{bare} {lines[i + 1].strip()}" if i + 1 < len(lines) else bare
        if _ends_here(bare, joined, lines[i + 1:i + 4]):
            break
        if bare.startswith(">") or _DEVICE_LINE.match(bare):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _ends_here(bare: str, joined: str, following: list[str]) -> bool:
    if line_is_signature(bare) or _CUT_LINES.match(bare):
        return True
    if _ATTRIBUTION.match(bare) or (bare.lower().startswith("on ") and
                                    _ATTRIBUTION.match(joined)):
        return True
    # Outlook quotes the old mail under a From:/Sent:/To: block instead of ">" lines.
    return bool(_OUTLOOK_HEADER.match(bare)) and any(
        _OUTLOOK_NEXT.match(x.strip()) for x in following)


def line_is_signature(bare: str) -> bool:
    """The "-- " separator (RFC 3676); clients that trim it leave "--"."""
    return bare == "--"


class _TextExtractor(HTMLParser):
    """Text of already-sanitised HTML: blocks become lines, quoted blocks are dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.quote_depth = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "blockquote":
            self.quote_depth += 1
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote":
            self.quote_depth = max(self.quote_depth - 1, 0)
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.quote_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Sanitise with an allowlist (nh3), then keep the words, one block per line."""
    safe = nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}})
    extractor = _TextExtractor()
    extractor.feed(safe)
    extractor.close()
    text = "".join(extractor.parts).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
