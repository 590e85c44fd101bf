"""Inline markup in titles and abstracts: an allow-listed HTML fragment and plain text.

PubMed titles and abstracts may carry ``<i>``, ``<b>``, ``<u>``, ``<sup>``, ``<sub>`` and
MathML. We keep two forms of each text:

* an HTML *fragment* for display, made only of escaped text and the bare tags
  ``<i> <b> <u> <sup> <sub>`` (no attributes, always balanced), and
* plain text for search and export.

Whitespace is collapsed to single spaces and trimmed in both. Both forms come out of the
same builder, so ``plain_text(html) == plain`` for every ``(html, plain)`` this module makes,
and ``sanitize_html`` is idempotent on its own output.

>>> sanitize_html('<b onclick="x()">a</b> <script>alert(1)</script> &amp; <em>b</em>')
'<b>a</b> &amp; <i>b</i>'
>>> plain_text('H<sub>2</sub>O &lt; 1')
'H2O < 1'
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from lxml import etree

__all__ = [
    "ALLOWED_TAGS",
    "clean_text",
    "fragment_from_element",
    "fragment_from_text",
    "normalize_space",
    "plain_text",
    "sanitize_html",
]

#: The only tags a fragment may contain.
ALLOWED_TAGS = frozenset({"i", "b", "u", "sup", "sub"})

#: Source tag (HTML, JATS, PubMed) -> allowed tag.
_TAG_MAP = {
    "i": "i",
    "em": "i",
    "italic": "i",
    "b": "b",
    "strong": "b",
    "bold": "b",
    "u": "u",
    "underline": "u",
    "ins": "u",
    "sup": "sup",
    "superscript": "sup",
    "sub": "sub",
    "subscript": "sub",
    "inf": "sub",
}

#: HTML elements whose content is never text (dropped with their content).
_DROP_WITH_CONTENT = frozenset({"script", "style", "template", "head", "title", "textarea"})

_MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"
_MATH_TOKENS = frozenset({"mi", "mn", "mo", "ms", "mtext", "mglyph"})
_MATH_SKIP = frozenset({"mprescripts", "none", "mphantom", "annotation", "annotation-xml"})
#: mover/munder accents -> combining characters (V with a dot over it: V̇).
_ACCENTS = {
    ".": "\u0307",
    "\u02d9": "\u0307",
    "\u0307": "\u0307",
    "\u00a8": "\u0308",
    "..": "\u0308",
    "\u00af": "\u0304",
    "\u203e": "\u0305",
    "-": "\u0304",
    "^": "\u0302",
    "\u02c6": "\u0302",
    "~": "\u0303",
    "\u02dc": "\u0303",
    "\u2192": "\u20d7",
    "\u2190": "\u20d6",
}

#: Characters that are not text: C0/C1 controls (other than whitespace), surrogates and
#: the non-characters U+FFFE/U+FFFF. They are invalid in XML and dropped from fragments.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def normalize_space(text: str) -> str:
    """Collapse every run of (Unicode) whitespace to one space and trim the ends."""
    return " ".join(text.split())


def clean_text(text: str) -> str:
    """``normalize_space`` after dropping characters that are not text (controls ...)."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # the common case: one C-speed scan, nothing to do
    if _NOT_TEXT.search(text):
        text = _NOT_TEXT.sub("", text)
    return " ".join(text.split())


class _Builder:
    """Builds the fragment and the plain text together, collapsing whitespace across tags.

    Open tags are emitted lazily (just before the first text inside them), so empty
    elements vanish and a space between words always sits outside the tags that follow it.
    """

    __slots__ = ("_html", "_pending", "_plain", "_space", "_stack")

    def __init__(self) -> None:
        self._html: list[str] = []
        self._plain: list[str] = []
        self._stack: list[list[Any]] = []  # [tag, emitted]
        self._pending = False  # some open tag is not emitted yet
        self._space = False  # a space is due before the next text

    def open(self, tag: str) -> None:
        self._stack.append([tag, False])
        self._pending = True

    def close(self, tag: str | None = None) -> None:
        """Close the innermost open tag (or, given ``tag``, up to the innermost such tag)."""
        if tag is not None:
            if not any(entry[0] == tag for entry in self._stack):
                return  # a stray end tag
            while self._stack and self._stack[-1][0] != tag:
                self._pop()
        if self._stack:
            self._pop()

    def _pop(self) -> None:
        tag, emitted = self._stack.pop()
        if emitted:
            self._html.append(f"</{tag}>")

    def text(self, text: str) -> None:
        """Add text: runs of whitespace become one space, none at the start or the end."""
        if not text:
            return
        if _NOT_TEXT.search(text):
            text = _NOT_TEXT.sub("", text)
        words = text.split()
        if not words:
            self._space = True
            return
        if text[0].isspace():
            self._space = True
        self._emit(" ".join(words))
        if text[-1].isspace():
            self._space = True

    def glue(self, text: str) -> None:
        """Append ``text`` to the current word (no space before it even if one is due)."""
        if text:
            self._space = False
            self._emit(text)

    def _emit(self, chunk: str) -> None:
        html_parts = self._html
        if self._space and self._plain:
            html_parts.append(" ")
            self._plain.append(" ")
        self._space = False
        if self._pending:
            for entry in self._stack:
                if not entry[1]:
                    html_parts.append(f"<{entry[0]}>")
                    entry[1] = True
            self._pending = False
        self._plain.append(chunk)
        if "&" in chunk or "<" in chunk or ">" in chunk:
            chunk = chunk.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        html_parts.append(chunk)

    def result(self) -> tuple[str, str]:
        while self._stack:
            self._pop()
        return "".join(self._html), "".join(self._plain)


# --------------------------------------------------------------------------- XML elements


def fragment_from_element(el: etree._Element) -> tuple[str, str]:
    """Return ``(html_fragment, plain_text)`` for the content of an XML element.

    ``el`` is an lxml element such as PubMed's ``ArticleTitle`` or ``AbstractText``; its
    own tag and tail are not part of the result. Allowed inline tags are kept (``bold`` ->
    ``b``, ``italic`` -> ``i`` ...), MathML is reduced to text (with ``<sub>``/``<sup>`` for
    scripts), any other element is dropped but its text kept, comments and processing
    instructions are dropped, and unresolved entity references become their HTML
    character when they name one.
    """
    if not len(el):  # fast path: text only (most titles and abstracts)
        text = el.text
        if not text:
            return "", ""
        plain = clean_text(text)
        if "&" in plain or "<" in plain or ">" in plain:
            return plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), plain
        return plain, plain
    builder = _Builder()
    _walk_children(el, builder)
    return builder.result()


def _local(tag: str) -> str:
    if tag[:1] == "{":
        return tag.rpartition("}")[2]
    return tag.rpartition(":")[2]


def _is_mathml(tag: str) -> bool:
    return tag.startswith(_MATHML_NS) or tag.startswith("mml:") or tag == "math"


#: Element tag -> what to do with it: an allowed tag name, "math", "drop" or "" (unwrap).
_TAG_KIND: dict[str, str] = {}


def _kind(tag: str) -> str:
    kind = _TAG_KIND.get(tag)
    if kind is None:
        local = _local(tag).lower()
        if _is_mathml(tag):
            kind = "math"
        elif local in _DROP_WITH_CONTENT:
            kind = "drop"
        else:
            kind = _TAG_MAP.get(local, "")
        if len(_TAG_KIND) < 1000:  # bounded: tags come from untrusted input
            _TAG_KIND[tag] = kind
    return kind


def _walk_children(el: etree._Element, builder: _Builder) -> None:
    if el.text:
        builder.text(el.text)
    for child in el:
        tag = child.tag
        if isinstance(tag, str):
            kind = _kind(tag)
            if kind == "math":
                _math(child, builder)
            elif kind == "drop":
                pass
            elif kind:
                builder.open(kind)
                _walk_children(child, builder)
                builder.close()
            else:
                _walk_children(child, builder)
        elif _is_entity(child):
            builder.text(_entity_text(child))
        # comments and processing instructions: content dropped, tail kept
        if child.tail:
            builder.text(child.tail)


def _is_entity(node: Any) -> bool:
    return type(node).__name__ == "_Entity"


def _entity_text(node: Any) -> str:
    """``&nbsp;`` -> U+00A0; an entity HTML does not know stays as its literal reference."""
    ref = str(node.text or "")
    return html.unescape(ref)


def _math(el: etree._Element, builder: _Builder) -> None:
    """Reduce a MathML element to text, keeping sub- and superscripts as tags."""
    tag = el.tag
    if not isinstance(tag, str):
        return
    name = _local(tag)
    kids = [c for c in el if isinstance(c.tag, str)]
    if name in _MATH_SKIP:
        return
    if name in _MATH_TOKENS:
        text = "".join(map(str, el.itertext()))
        builder.text(text if name == "mtext" else text.strip())
        return
    if name == "semantics":
        if kids:
            _math(kids[0], builder)
        return
    if name in {"msub", "msup", "msubsup"} and kids:
        _math(kids[0], builder)
        scripts = ["sub", "sup"] if name == "msubsup" else [name[1:]]
        for script, kid in zip(scripts, kids[1:], strict=False):
            _script(kid, script, builder)
        return
    if name == "mmultiscripts" and kids:
        base, rest = kids[0], kids[1:]
        names = [_local(str(k.tag)) for k in rest]
        cut = names.index("mprescripts") if "mprescripts" in names else len(rest)
        pre, post = rest[cut + 1 :], rest[:cut]
        _scripts_pairs(pre, builder)
        _math(base, builder)
        _scripts_pairs(post, builder)
        return
    if name in {"mover", "munder", "munderover"} and kids:
        _math(kids[0], builder)
        for kid in kids[1:]:
            mark = normalize_space("".join(map(str, kid.itertext())))
            if mark in _ACCENTS:
                builder.glue(_ACCENTS[mark])
            else:
                _math(kid, builder)
        return
    if name == "mfrac" and len(kids) == 2:
        _math(kids[0], builder)
        builder.text("/")
        _math(kids[1], builder)
        return
    if name == "mroot" and len(kids) == 2:
        _script(kids[1], "sup", builder)
        kids = kids[:1]
        name = "msqrt"
    if name == "msqrt":
        builder.text("\u221a(")
        for kid in kids:
            _math(kid, builder)
        builder.text(")")
        return
    if name == "mfenced":
        builder.text(el.get("open", "("))
        separator = el.get("separators", ",").strip()[:1]
        for n, kid in enumerate(kids):
            if n and separator:
                builder.text(separator)
            _math(kid, builder)
        builder.text(el.get("close", ")"))
        return
    for kid in kids:  # math, mrow, mstyle, mpadded, menclose, mtable ...
        _math(kid, builder)


def _script(el: etree._Element, script: str, builder: _Builder) -> None:
    if _local(str(el.tag)) in _MATH_SKIP:
        return
    builder.open(script)
    _math(el, builder)
    builder.close()


def _scripts_pairs(kids: list[etree._Element], builder: _Builder) -> None:
    for n, kid in enumerate(kids):
        _script(kid, "sub" if n % 2 == 0 else "sup", builder)


# --------------------------------------------------------------------------- HTML strings


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = _Builder()
        self._dropping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._dropping:
            if tag == self._dropping[-1]:
                self._dropping.append(tag)
            return
        if tag in _DROP_WITH_CONTENT:
            self._dropping.append(tag)
            return
        mapped = _TAG_MAP.get(tag)
        if mapped:
            self.builder.open(mapped)
        elif tag in {"br", "p", "div", "li", "tr", "td", "th"}:
            self.builder.text(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._dropping and tag in {"br", "p", "div", "hr"}:
            self.builder.text(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._dropping:
            if tag == self._dropping[-1]:
                self._dropping.pop()
            return
        mapped = _TAG_MAP.get(tag)
        if mapped:
            self.builder.close(mapped)
        elif tag in {"p", "div", "li", "tr", "td", "th"}:
            self.builder.text(" ")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.builder.text(data)


def sanitize_html(fragment: str) -> str:
    """Re-sanitize a stored fragment: only bare, balanced allow-listed tags; text escaped.

    Use it before handing text to a Qt widget that renders rich text. Any attribute is
    dropped, ``<em>``/``<strong>`` become ``<i>``/``<b>``, ``<script>``/``<style>`` are
    dropped with their content, and other tags are dropped with their text kept.
    """
    return _run_sanitizer(fragment)[0]


def plain_text(fragment: str) -> str:
    """The plain text of an HTML fragment: tags removed, entities decoded, spaces collapsed."""
    return _run_sanitizer(fragment)[1]


def fragment_from_text(text: str) -> tuple[str, str]:
    """``(html, plain)`` for text that carries no markup (MEDLINE, RIS ...)."""
    builder = _Builder()
    builder.text(text)
    return builder.result()


def _run_sanitizer(fragment: str) -> tuple[str, str]:
    if "<" not in fragment and "&" not in fragment:
        return fragment_from_text(fragment)
    parser = _Sanitizer()
    parser.feed(fragment)
    parser.close()
    return parser.builder.result()
