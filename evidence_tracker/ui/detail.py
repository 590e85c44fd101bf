"""The study detail pane: bibliographic record, abstract, and the claims it is linked to.

Record text never reaches Qt as-is: titles and abstracts pass through the allow-listed
fragment sanitizer, everything else is HTML-escaped, and the widget only ever receives
HTML we built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from PySide6.QtCore import QEvent, QUrl
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import QTextBrowser, QWidget

from evidence_tracker.domain.claims import STANCE_LABELS, Claim
from evidence_tracker.domain.corrections import notice_sentence
from evidence_tracker.domain.dates import month_abbreviation
from evidence_tracker.domain.identifiers import doi_url, pubmed_url
from evidence_tracker.domain.markup import sanitize_html
from evidence_tracker.domain.models import StoredStudy, Study
from evidence_tracker.services import evidence, review
from evidence_tracker.services.evidence import LinkView
from evidence_tracker.store import claims as claim_store
from evidence_tracker.store import studies as study_store
from evidence_tracker.ui.context import AppContext
from evidence_tracker.ui.theme import LIGHT, Colours, Tone, colours


def detail_css(c: Colours) -> str:
    """The pane's look in the palette's colours (banners keep their tint, in either theme)."""
    return f"""
<style>
body {{ color: {c.text}; }}
h2 {{ font-size: 15pt; margin: 0 0 6px 0; }}
.meta {{ color: {c.muted}; margin: 2px 0; }}
.banner {{ background: {c.tint(Tone.BAD)}; color: {c.danger}; border: 1px solid {c.danger};
          padding: 6px; font-weight: bold; }}
.notice {{ background: {c.tint(Tone.CAUTION)}; color: {c.warn}; border: 1px solid {c.warn};
          padding: 6px; }}
.label {{ font-weight: bold; }}
.section {{ color: {c.muted}; font-size: 9pt; text-transform: uppercase; margin-top: 10px; }}
.mesh-major {{ font-weight: bold; }}
.empty {{ color: {c.muted}; }}
</style>
"""


def _pubmed_link(pmid: str, label: str) -> str:
    return f'<a href="{pubmed_url(pmid)}">{label} {escape(pmid)}</a>'


def _readable_date(value: str) -> str:
    """'2009-03-14' -> '2009 Mar 14' (PubMed's style); other text is kept as it is."""
    parts = value.split("-")
    if len(parts) >= 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12:
        return " ".join([parts[0], month_abbreviation(int(parts[1])), *parts[2:3]])
    return value


def _source_line(s: Study) -> str:
    """'J Pain Res. 2021 Mar;14(3):101-9' style source line (plain text)."""
    journal = s.journal_abbrev or s.journal
    line = f"{journal}. " if journal else ""
    line += _readable_date(s.pub_date) or (str(s.year) if s.year else "")
    if s.volume:
        line += f";{s.volume}" + (f"({s.issue})" if s.issue else "")
    if s.pages:
        line += f":{s.pages}"
    return line.strip()


def study_html(stored: StoredStudy, colours: Colours = LIGHT) -> str:
    """The detail pane's HTML for one study (pure: easy to test and to look at)."""
    s = stored.study
    parts = [detail_css(colours)]
    if s.retracted:
        parts.append(
            '<p class="banner">⚠ RETRACTED PUBLICATION — do not rely on this study; '
            "linked judgements need re-review.</p>"
        )
    for note in s.notices:
        if note.ref_type == "RetractionIn" and s.retracted:
            continue
        ref = f" ({escape(note.ref_source)})" if note.ref_source else ""
        link = f" {_pubmed_link(note.pmid, 'PMID')}" if note.pmid else ""
        parts.append(f'<p class="notice">{escape(notice_sentence(note.ref_type))}{ref}{link}</p>')
    title = sanitize_html(s.title_html) if s.title_html else escape(s.title)
    parts.append(f"<h2>{title or '<span class=empty>(no title)</span>'}</h2>")
    if s.authors:
        names = ", ".join(escape(a.display_name) for a in s.authors)
        parts.append(f'<p class="meta">{names}</p>')
    parts.append(f'<p class="meta">{escape(_source_line(s))}</p>')
    links = []
    if s.pmid:
        links.append(_pubmed_link(s.pmid, "PubMed"))
    if s.doi:
        links.append(f'<a href="{doi_url(s.doi)}">doi:{escape(s.doi)}</a>')
    if s.pmcid:
        links.append(f"PMC: {escape(s.pmcid)}")
    if links:
        parts.append(f'<p class="meta">{" · ".join(links)}</p>')
    if stored.conditions:
        parts.append(f'<p class="meta">Conditions: {escape(", ".join(stored.conditions))}</p>')

    parts.append('<p class="section">Abstract</p>')
    if s.abstract_sections:
        for sec in s.abstract_sections:
            body = sanitize_html(sec.html) if sec.html else escape(sec.text)
            label = f'<span class="label">{escape(sec.label)}:</span> ' if sec.label else ""
            parts.append(f"<p>{label}{body}</p>")
    elif s.abstract:
        parts.extend(f"<p>{escape(p)}</p>" for p in s.abstract.split("\n\n"))
    else:
        parts.append('<p class="empty">No abstract available.</p>')

    if s.publication_types:
        parts.append('<p class="section">Publication types</p>')
        parts.append(f"<p>{escape('; '.join(s.publication_types))}</p>")
    if s.mesh:
        parts.append('<p class="section">MeSH terms (major topics in bold)</p>')
        terms = []
        for m in s.mesh:
            text = escape(m.descriptor)
            if m.qualifiers:
                text += "/" + "/".join(
                    f"<b>{escape(q)}</b>" if major else escape(q) for q, major in m.qualifiers
                )
            terms.append(f'<span class="mesh-major">{text}</span>' if m.major else text)
        parts.append(f"<p>{'; '.join(terms)}</p>")
    if s.keywords:
        parts.append('<p class="section">Keywords</p>')
        parts.append(f"<p>{escape('; '.join(s.keywords))}</p>")
    if s.language and s.language != "eng":
        parts.append(f'<p class="meta">Language: {escape(s.language)}</p>')
    return "".join(parts)


def links_css(c: Colours) -> str:
    """The look of the linked-claims section (it also restyles the record's headings, as it
    always has: the pane is one document)."""
    return f"""
<style>
h2 {{ font-size: 14pt; margin: 2px 0 4px 0; }}
.meta {{ color: {c.muted}; margin: 1px 0; }}
.section {{ color: {c.muted}; font-size: 9pt; font-weight: bold; text-transform: uppercase;
           margin-top: 14px; margin-bottom: 2px; }}
.quote {{ color: {c.text}; font-style: italic; margin: 2px 0 2px 18px; }}
.empty {{ color: {c.muted}; }}
</style>
"""

EMPTY_HTML = '<p class="empty">Select a study to see its abstract, MeSH terms and links.</p>'


def study_links_html(links: Sequence[LinkView], claims: Mapping[int, Claim],
                     colours: Colours = LIGHT) -> str:
    """The 'Linked claims' section, appended after the record."""
    parts = [links_css(colours), '<p class="section">Linked claims</p>']
    if not links:
        parts.append('<p class="empty">Not linked to a claim yet: press Ctrl+L (Study → Link '
                     "to Claim…) to link it.</p>")
    for v in links:
        claim = claims.get(v.claim_id)
        code = escape(claim.code) if claim else f"#{v.claim_id}"
        text = escape(claim.text) if claim else ""
        colour = colours.stance(v.stance)
        parts.append(f'<p style="margin: 6px 0 0 0;"><b>{code}</b> '
                     f'<span style="color: {colour}; font-weight: bold;">'
                     f"{STANCE_LABELS[v.stance]}</span> — {text}</p>")
        parts += [f'<p class="quote">“{escape(q)}”</p>' for q in v.state.quotes]
        parts.append(f'<p class="meta" style="margin-left: 18px;">by {escape(v.reviewer)} '
                     f"on {escape(v.occurred_at[:10])}</p>")
    return "".join(parts)


class StudyDetail(QTextBrowser):
    """The study pane: renders the study selected in the context, then the claims it is
    linked to as the reviewer may see them (blind mode), and re-renders when the reviewer
    changes. Read-only; links open in the system browser, never in the app."""

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.study_id: int | None = None
        self._stale = False  # rendered in another palette than the current one
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._open_link)
        self.setObjectName("studyDetail")
        # After a judgement the window re-reads and selects the study again.
        context.study_selected.connect(self.show_study)
        context.reviewer.changed.connect(self.refresh)
        self.show_study(None)

    def show_study(self, study_id: int | None) -> None:
        """Render ``study_id`` (None, or a study no longer there: the hint)."""
        self.study_id = study_id
        self._stale = False
        project = self.context.project
        stored = study_store.get_study(project, study_id) if study_id else None
        theme = colours(self)
        if stored is None:
            self.setHtml(detail_css(theme) + EMPTY_HTML)
            return
        links = review.filter_links(project, evidence.current_links(project, study=study_id),
                                    self.context.reviewer.name)
        claims = {c.id: c for c in claim_store.list_claims(
            project, sorted({v.claim_id for v in links}))} if links else {}
        self.setHtml(study_html(stored, theme) + study_links_html(links, claims, theme))

    def refresh(self) -> None:
        self.show_study(self.study_id)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._stale = True  # colours follow a light/dark switch, when next shown
            if self.isVisible():
                self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def selected_text(self) -> str:
        """The text selected in the pane, on one line (offered as a link's quote)."""
        return self.textCursor().selectedText().replace("\u2029", " ")

    @staticmethod
    def _open_link(url: QUrl) -> None:
        if url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)
