"""The claim page: text, testable form, sources with quotes, linked studies by stance,
suggestions with the matched terms, and the verdict; plus the verdict dialog.

Every piece of record or page text is HTML-escaped before it joins the page; matched
terms are wrapped in ``<b>`` around escaped pieces. Actions are ``et-…:ID`` anchors the
page turns into signals (they are reachable with Tab and Enter, like any link).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QImage,
    QKeySequence,
    QResizeEvent,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.claims import (
    KIND_LABELS,
    STANCE_LABELS,
    VERDICT_LABELS,
    Claim,
    ClaimsError,
    LinkState,
)
from evidence_tracker.domain.design import SUGGESTION_BOOST
from evidence_tracker.domain.findings import ATTRIBUTION_LABELS
from evidence_tracker.domain.identifiers import pubmed_url
from evidence_tracker.domain.models import Stance, Verdict
from evidence_tracker.domain.verdicts import VerdictResult
from evidence_tracker.formats.forest_plot import FULL_WIDTH, MIN_WIDTH, PlotColours, forest_png
from evidence_tracker.formats.verdict_tables import (
    SCOPE_MATCH_LABELS,
    SOF_COLUMNS,
    body_rows,
    certainty_text,
    finding_text,
    kind_text,
    plotted,
    scope_rows,
    sof_cells,
)
from evidence_tracker.services import evidence
from evidence_tracker.services.evidence import ClaimDetail, LinkView, Suggestion, VerdictStatus
from evidence_tracker.store import Project
from evidence_tracker.store.events import Event
from evidence_tracker.ui.claims_delegate import STATE_TEXT
from evidence_tracker.ui.claims_view import category_label, verdict_state
from evidence_tracker.ui.context import ReviewerSession
from evidence_tracker.ui.theme import LIGHT, Colours, Tone, style_text

PICO_LABELS = {"population": "Population", "intervention": "Intervention",
               "comparator": "Comparator", "outcome": "Outcome", "timepoint": "Time point"}
STANCE_ORDER = (Stance.SUPPORTS, Stance.PARTLY_SUPPORTS, Stance.CONTRADICTS,
                Stance.NOT_RELEVANT)

def plot_colours(c: Colours) -> PlotColours:
    """The forest plots' colours on the page's palette."""
    return PlotColours(ink=c.text, muted=c.muted, study="#8ab4e8" if c.dark else "#2f5d8a",
                       pooled=c.text, background=c.base)


def page_css(c: Colours) -> str:
    return f"""
<style>
body {{ color: {c.text}; }}
h2 {{ font-size: 14pt; margin: 2px 0 4px 0; }}
.code {{ color: {c.muted}; font-weight: bold; margin: 0; }}
.meta {{ color: {c.muted}; margin: 1px 0; }}
.section {{ color: {c.text}; font-size: 9pt; font-weight: bold; text-transform: uppercase;
           margin-top: 14px; margin-bottom: 2px; }}
.stance {{ font-weight: bold; margin-top: 8px; margin-bottom: 0; }}
.quote {{ color: {c.text}; font-style: italic; margin: 2px 0 2px 18px; }}
.finding {{ color: {c.text}; margin: 2px 0 0 18px; }}
.linked {{ margin: 6px 0 0 0; }}
.linkquote {{ color: {c.text}; font-style: italic; margin: 2px 0 2px 30px; }}
.linkdetails {{ margin: 2px 0 0 18px; }}
.linkedby {{ color: {c.muted}; margin: 1px 0 1px 18px; }}
.source {{ margin: 6px 0 0 0; }}
.empty {{ color: {c.muted}; }}
.warn {{ color: {c.warn}; font-weight: bold; }}
.retracted {{ color: {c.danger}; font-weight: bold; }}
b.hit {{ background-color: {c.hit}; color: {c.hit_text}; }}
td.label {{ color: {c.muted}; padding-right: 8px; }}
table.grid {{ border-color: {c.rule}; font-size: 9pt; }}
table.grid th {{ background-color: {c.panel}; color: {c.text}; text-align: left; }}
td.statement {{ background-color: {c.panel}; color: {c.text}; font-size: 11pt; }}
</style>
"""


_CSS = page_css(LIGHT)


def _date(timestamp: str) -> str:
    return timestamp[:10]


def badge_html(verdict: Verdict, *, filled: bool, colours: Colours = LIGHT) -> str:
    """A verdict badge as a one-cell table (QTextDocument styles table cells reliably)."""
    strong, tint = colours.verdict(verdict)
    bg, fg = (strong, colours.on_tone()) if filled else (tint, strong)
    return (f'<table cellspacing="0" cellpadding="4" style="border: 1px solid {strong};">'
            f'<tr><td bgcolor="{bg}"><span style="color: {fg}; font-weight: bold;">'
            f"&nbsp;{escape(VERDICT_LABELS[verdict])}&nbsp;</span></td></tr></table>")


def marked_html(segments: Sequence[tuple[str, bool]]) -> str:
    """(text, matched) segments -> escaped HTML with the matched pieces in ``<b>``."""
    return "".join(f'<b class="hit">{escape(t)}</b>' if hit else escape(t)
                   for t, hit in segments)


def _study_line(link_or_brief: evidence.StudyBrief, design: str = "") -> str:
    """Title, year, authors, journal, design (the appraised one when given), PMID."""
    s = link_or_brief
    title = f'<a href="et-study:{s.id}">{escape(s.title or "(no title)")}</a>'
    year = f" ({s.year})" if s.year else ""
    bits = [escape(b) for b in (s.first_author, s.journal) if b]
    bits.append(f"<b>{escape(design or s.design.label)}</b>")
    if s.pmid:
        bits.append(f'<a href="{pubmed_url(s.pmid)}">PMID {escape(s.pmid)}</a>')
    retracted = ' <span class="retracted">RETRACTED</span>' if s.retracted else ""
    return f'{title}{year}{retracted}<br><span class="meta">{" · ".join(bits)}</span>'


def _verdict_html(status: VerdictStatus, result: VerdictResult, c: Colours) -> list[str]:
    state = verdict_state(status)
    parts = ['<p class="section">Verdict</p>']
    badge = badge_html(status.verdict, filled=state != "suggested", colours=c)
    if status.confirmed is not None:
        how = "Confirmed" if status.confirmed is status.suggested.verdict else "Overridden"
        who = f"{how} by {escape(status.reviewer)} on {escape(_date(status.decided_at))}"
        parts.append(f"{badge}<p class='meta'>{who}</p>")
        parts.append(f"<p><b>Rationale:</b> {escape(status.rationale)}</p>")
    else:
        parts.append(f"{badge}<p class='meta'>Suggested by the evidence; no reviewer "
                     "has confirmed a verdict yet.</p>")
    if status.needs_rereview:
        reasons = "; ".join(escape(r) for r in status.rereview_reasons)
        parts.append('<p class="warn">⚠ '
                     f"{STATE_TEXT['rereview']}: {reasons}.</p>")
    # The GRADE informative statement is what a reader takes away: set it apart.
    parts.append('<table width="100%" cellspacing="0" cellpadding="8" style="margin-top: 6px;">'
                 f'<tr><td class="statement"><b>{escape(result.statement)}</b><br>'
                 f'<span class="meta">Certainty of the evidence: '
                 f"{escape(certainty_text(result.certainty))} · "
                 f"{escape(SCOPE_MATCH_LABELS[result.scope_match])} · suggested verdict "
                 f"<b>{escape(VERDICT_LABELS[result.verdict])}</b></span></td></tr></table>")
    return parts


def _steps_html(result: VerdictResult) -> list[str]:
    parts = ['<p class="section"><a name="steps"></a>How the verdict was reached</p>']
    if not result.steps:
        return [*parts, '<p class="empty">No steps recorded.</p>']
    rows = "".join(f"<tr><td><b>{escape(st.label)}</b></td><td>{escape(st.outcome)}</td>"
                   f"<td>{escape(st.reason)}</td></tr>" for st in result.steps)
    return [*parts, '<table class="grid" border="1" cellspacing="0" cellpadding="4" '
            # 99%: the grid's outer border would add a pixel beyond 100% (a sideways scroll).
            'width="99%"><tr><th>Step</th><th>Outcome</th><th>Why</th></tr>'
            f"{rows}</table>"]


#: Column widths (%) of the SoF table: the statement is what a reader takes away.
SOF_WIDTHS = (15, 10, 11, 17, 13, 34)


def _sof_html(result: VerdictResult) -> list[str]:
    parts = ['<p class="section"><a name="sof"></a>Summary of findings</p>']
    if not result.sof:
        return [*parts, '<p class="empty">No findings recorded on the counted studies yet.</p>']
    head = "".join(f'<th width="{w}%">{escape(c)}</th>'
                   for c, w in zip(SOF_COLUMNS, SOF_WIDTHS, strict=True))
    rows = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in sof_cells(row))
                   + "</tr>" for row in result.sof)
    return [*parts, '<table class="grid" border="1" cellspacing="0" cellpadding="4" '
            f'width="99%"><tr>{head}</tr>{rows}</table>']


#: Forest plots are shown at this width (points), whatever the screen's pixel ratio.
PLOT_WIDTH = 640


def forest_url(index: int) -> str:
    """The resource name of the n-th plotted SoF row's image on the page."""
    return f"et-forest:{index}"


def _forest_html(result: VerdictResult, width: int) -> list[str]:
    rows = plotted(result.sof)
    if not rows:
        return []
    parts = [f'<p class="section"><a name="forest"></a>Forest plot{"s" if len(rows) > 1 else ""}'
             "</p>"]
    parts += [f'<p><img src="{forest_url(n)}" width="{width}" '
              f'alt="Forest plot: {escape(r.outcome)}, {escape(r.timepoint)}"></p>'
              for n, r in enumerate(rows)]
    return parts


def _body_html(result: VerdictResult) -> list[str]:
    rows = body_rows(result.body)
    parts = ['<p class="section"><a name="body"></a>Body of evidence: '
             f"{len(rows.counted)} counted, {len(rows.excluded)} left out</p>"]
    if not rows.counted:
        parts.append('<p class="empty">No study counts for this claim yet.</p>')
    parts += [f'<p class="finding"><b>{escape(k)}</b> · {escape(design)} · {escape(extra)}</p>'
              for k, design, extra in rows.counted]
    if rows.excluded:
        parts.append('<p class="meta" style="margin-top: 6px;"><b>Not counted:</b></p>')
        parts += [f'<p class="finding"><b>{escape(k)}</b> · {escape(why)}</p>'
                  for k, why in rows.excluded]
    return parts


def _question_html(claim: Claim) -> list[str]:
    rows = [f'<tr><td class="label">Kind</td><td>{escape(kind_text(claim))}</td></tr>']
    for label, value in scope_rows(claim):
        shown = escape(value) if value else '<span class="empty">—</span>'
        rows.append(f'<tr><td class="label">{escape(label)}</td><td>{shown}</td></tr>')
    return ['<p class="section">The claim as a question</p>',
            f'<table cellspacing="0" cellpadding="2">{"".join(rows)}</table>']


def _sources_html(claim: Claim) -> list[str]:
    parts = [f'<p class="section">Sources ({len(claim.sources)})</p>']
    if not claim.sources:
        parts.append('<p class="empty">No source recorded.</p>')
    for s in claim.sources:
        parts.append(f'<p class="source"><b>{escape(s.clinic_name)}</b> — '
                     f"{escape(s.page_title)}</p>")
        parts.append(f'<p class="quote">“{escape(s.quote)}”</p>')
    return parts


def _link_html(link: LinkView, reviewer: str, design: str = "") -> str:
    state = link.state
    # Classes, not inline styles: hundreds of links are parsed and laid out per page.
    out = [f'<p class="linked">{_study_line(link.study, design)}</p>']
    shown: set[str] = set()
    for finding in state.findings:
        out.append(f'<p class="finding">▸ {escape(finding_text(finding))}</p>')
        out += [f'<p class="linkquote">“{escape(q)}”</p>'
                for q in finding.quotes]
        shown.update(finding.quotes)
    out += [f'<p class="quote">“{escape(q)}”</p>' for q in state.quotes if q not in shown]
    details = []
    if not state.findings and state.outcome:
        details.append(f"Outcome: {escape(state.outcome)}")
    if not state.findings and state.timepoint:
        details.append(f"Time point: {escape(state.timepoint)}")
    if state.reported_certainty:
        details.append("Certainty the review reports: "
                       f"{escape(certainty_text(state.reported_certainty))}")
    if state.attribution:
        details.append(f"Paraphrase: {escape(ATTRIBUTION_LABELS[state.attribution])}")
    if state.note:
        details.append(f"Note: {escape(state.note)}")
    if details:
        out.append(f'<p class="linkdetails">{" · ".join(details)}</p>')
    by = f"Linked by {escape(link.reviewer)} on {escape(_date(link.occurred_at))}"
    actions = f' · <a href="et-history:{link.study.id}">History</a>'
    if link.reviewer == reviewer:
        actions += (f' · <a href="et-edit:{link.study.id}">Edit…</a>'
                    f' · <a href="et-withdraw:{link.study.id}">Withdraw…</a>')
    out.append(f'<p class="linkedby">{by}{actions}</p>')
    return "".join(out)


def _links_html(links: Sequence[LinkView], reviewer: str,
                designs: Mapping[int, str] | None = None, c: Colours = LIGHT) -> list[str]:
    """The links by stance; ``designs`` are the body's (appraised) designs by study id."""
    designs = designs or {}
    parts = [f'<p class="section">Linked studies ({len({v.study.id for v in links})})</p>']
    if not links:
        parts.append('<p class="empty">No study is linked yet. Link one from a suggestion '
                     "below, or select a study in the studies table and press Ctrl+L.</p>")
    for stance in STANCE_ORDER:
        group = [v for v in links if v.stance is stance]
        if not group:
            continue
        colour = c.stance(stance)
        # Count studies, as the claims list does; several reviewers may link one study.
        studies = len({v.study.id for v in group})
        count = (f"{studies}" if studies == len(group)
                 else f"{studies} {'study' if studies == 1 else 'studies'}, "
                      f"{len(group)} links")
        parts.append(f'<p class="stance" style="color: {colour};">{STANCE_LABELS[stance]} '
                     f"({count})</p>")
        parts.extend(_link_html(v, reviewer, designs.get(v.study.id, "")) for v in group)
    return parts


def _suggestion_html(s: Suggestion) -> str:
    title = marked_html(s.title) or escape(s.study.title)
    year = f" ({s.study.year})" if s.study.year else ""
    retracted = ' <span class="retracted">RETRACTED</span>' if s.study.retracted else ""
    meta = [f"<b>{escape(s.study.design.label)}</b>"]
    if s.study.pmid:
        meta.append(f"PMID {escape(s.study.pmid)}")
    meta.append(f'<a href="et-link:{s.study.id}">Link…</a>')
    meta.append(f'<a href="et-study:{s.study.id}">Show study</a>')
    terms = ", ".join(f"<b>{escape(t)}</b>" for t in s.matched_terms) or "—"
    weight = SUGGESTION_BOOST[s.study.design] * (0.1 if s.study.retracted else 1.0)
    snippet = marked_html(s.snippet)
    return (f'<p style="margin: 8px 0 0 0;">{title}{year}{retracted}<br>'
            f'<span class="meta">{" · ".join(meta)}</span></p>'
            + (f'<p class="finding">{snippet}</p>' if snippet else "")
            + f'<p class="meta" style="margin-left: 18px;">Why: matched {terms} in the title, '
            f"abstract or MeSH terms; design weight ×{weight:.2g}"
            f"{' (retracted)' if s.study.retracted else ''}</p>")


def claim_html(
    detail: ClaimDetail, *, condition_names: Mapping[str, str] | None = None,
    reviewer: str = "", result: VerdictResult | None = None,
    colours: Colours | None = None, plot_width: int = 640,
) -> str:
    """The claim page (pure: easy to test and to look at), all but the suggested studies
    (:func:`suggestions_html`). ``result`` is the suggested verdict with its working, as the
    viewing reviewer may see it; forest plots are ``<img>`` of :func:`forest_url` resources
    the page supplies."""
    claim = detail.claim
    names = condition_names or {}
    conditions = ", ".join(escape(names.get(c, c)) for c in claim.conditions) or "—"
    parts = [page_css(colours) if colours else _CSS,
             f'<p class="code">{escape(claim.code)} · '
             f"{escape(KIND_LABELS[claim.question_kind])} · "
             f"{escape(category_label(claim.category))}</p>",
             f"<h2>{escape(claim.text)}</h2>",
             f'<p class="meta">Conditions: {conditions}</p>']
    if result is None:
        result = detail.verdict.suggested
    parts += _verdict_html(detail.verdict, result, colours or LIGHT)
    parts += _question_html(claim)
    parts += _sof_html(result)
    parts += _forest_html(result, plot_width)
    parts += _steps_html(result)
    parts += _body_html(result)
    parts += _sources_html(claim)
    designs = {b.study_id: b.design.label for b in result.body.counted}
    parts += _links_html(detail.links, reviewer, designs, colours or LIGHT)
    return "".join(parts)


def suggestions_html(suggestions: Sequence[Suggestion] | None,
                     colours: Colours | None = None, failure: str = "") -> str:
    """The suggested studies (pure); None: they are still being looked for; ``failure``:
    why the search for them failed."""
    parts = [page_css(colours) if colours else _CSS, '<p class="section">Suggested studies</p>']
    if failure:
        parts.append(f'<p class="warn">The search for studies that match the claim failed: '
                     f"{escape(failure)}</p>")
    elif suggestions is None:
        parts.append('<p class="meta">Looking for studies that match the claim…</p>')
    elif suggestions:
        parts.append('<p class="meta">Ranked by full-text match within the claim\'s '
                     "conditions, weighted by study design. None is a link until you "
                     "decide.</p>")
        parts.extend(_suggestion_html(s) for s in suggestions)
    else:
        parts.append('<p class="empty">No unlinked study in this project matches the claim '
                     "(fetch its conditions from PubMed first).</p>")
    return "".join(parts)


def history_text(events: Sequence[Event]) -> str:
    """A link's events, oldest first, one paragraph each (plain text)."""
    out = []
    for e in events:
        when = e.occurred_at.replace("T", " ").removesuffix("Z")
        if not e.after:
            what = "withdrew the link"
        else:
            state = LinkState.from_json(e.after)
            what = STANCE_LABELS[state.stance]
            what += "".join(f"\n    “{q}”" for q in state.quotes)
            extra = [f"outcome: {state.outcome}" if state.outcome else "",
                     f"time point: {state.timepoint}" if state.timepoint else "",
                     f"note: {state.note}" if state.note else ""]
            if any(extra):
                what += "\n    " + "; ".join(x for x in extra if x)
        out.append(f"{when} UTC · {e.reviewer or 'unknown reviewer'}: {what}")
    return "\n\n".join(out) or "No events."


EMPTY_HTML = _CSS + '<p class="empty">Select a claim to see its sources, evidence and verdict.</p>'


class PageBrowser(QTextBrowser):
    """A QTextBrowser that serves the page's forest plots from memory (``et-forest:N``)."""

    resized = Signal()  # the viewport has its new size

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.images: dict[str, QImage] = {}

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()

    def loadResource(self, kind: int, name: QUrl | str) -> object:
        if kind == QTextDocument.ResourceType.ImageResource.value and \
                QUrl(name).toString() in self.images:
            return self.images[QUrl(name).toString()]
        return super().loadResource(kind, name)


class ClaimPage(QWidget):
    """A header with the verdict action over a read-only rich page of the claim, and the
    suggested studies below it in their own browser: they are found in the background
    while the page is built and shown (:meth:`show_suggestions`), and bringing them never lays the
    page out again (re-setting the page's HTML left a stale copy of its head painted)."""

    link_requested = Signal(int, int)  # study id, claim id
    withdraw_requested = Signal(int, int)  # study id, claim id
    verdict_requested = Signal(int)  # claim id
    study_requested = Signal(int)  # study id
    history_requested = Signal(int, int)  # study id, claim id

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("claimPage")
        self.detail: ClaimDetail | None = None
        self.suggested: list[Suggestion] | None = None  # None: still being looked for
        self._failure = ""  # why the search for them failed
        self.result: VerdictResult | None = None
        self._shown: tuple[dict[str, str], str] = ({}, "")
        self._plot_width = PLOT_WIDTH
        self.verdict_button = QPushButton("Confirm / &Override Verdict…")
        self.verdict_button.setObjectName("verdictButton")
        self.verdict_button.setToolTip("Record the verdict with a rationale (Ctrl+Shift+V)")
        self.verdict_button.clicked.connect(self._verdict_clicked)
        self.browser = PageBrowser()
        self.browser.setObjectName("claimBrowser")
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._anchor)
        self.browser.resized.connect(self._resized)
        self.suggestions = QTextBrowser()
        self.suggestions.setObjectName("suggestionsBrowser")
        self.suggestions.setOpenLinks(False)
        self.suggestions.anchorClicked.connect(self._anchor)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("claimPageSplit")
        split.setChildrenCollapsible(False)
        split.addWidget(self.browser)
        split.addWidget(self.suggestions)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addStretch(1)
        header.addWidget(self.verdict_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(header)
        layout.addWidget(split, 1)
        self.show_detail(None)

    @property
    def claim_id(self) -> int | None:
        return self.detail.claim.id if self.detail else None

    def show_detail(
        self, detail: ClaimDetail | None, *, condition_names: Mapping[str, str] | None = None,
        reviewer: str = "", result: VerdictResult | None = None,
        suggestions_pending: bool = False,
    ) -> None:
        """Show a claim (None: the hint); keeps the scroll position when it is the same.
        ``result`` is the suggested verdict with its working as this reviewer may see it.
        ``suggestions_pending``: :meth:`show_suggestions` brings them (until then the same
        claim and reviewer keep the ones shown, less any study now linked; else the pane
        says it looks)."""
        same = detail is not None and self.claim_id == detail.claim.id
        # Blind mode: one reviewer's suggestions are never shown to another, even briefly.
        same_viewer = same and self._shown[1] == reviewer
        self.detail = detail
        self.result = result if result is not None or detail is None else \
            detail.verdict.suggested
        self._shown = (dict(condition_names or {}), reviewer)
        self.verdict_button.setEnabled(detail is not None)
        self._render(keep_scroll=same, new_plots=True)
        self._failure = ""
        if detail is None or not suggestions_pending:
            self.suggested = list(detail.suggestions) if detail else []
        elif not same_viewer or self.suggested is None:
            self.suggested = None
        else:  # the same claim: no flicker, and no study offered that is linked now
            linked = {v.study.id for v in detail.links}
            self.suggested = [s for s in self.suggested if s.study.id not in linked]
        self._render_suggestions(keep_scroll=same)

    def show_suggestions(self, claim_id: int, suggestions: Sequence[Suggestion], *,
                         failure: str = "") -> None:
        """Show the suggested studies found for ``claim_id`` if the page still shows it
        (``failure``: why the search for them failed)."""
        if self.claim_id != claim_id:
            return
        self.suggested = list(suggestions)
        self._failure = failure
        self._render_suggestions(keep_scroll=True)

    def _render_suggestions(self, *, keep_scroll: bool) -> None:
        colours = Colours.from_palette(self.palette())
        self.suggestions.setVisible(self.detail is not None)
        scroll = self.suggestions.verticalScrollBar().value()
        self.suggestions.setHtml(suggestions_html(self.suggested, colours, self._failure))
        if keep_scroll:
            self.suggestions.verticalScrollBar().setValue(scroll)

    def _render(self, *, keep_scroll: bool = True, new_plots: bool = False) -> None:
        """Lay the page out again (a new claim, a new palette or a new width)."""
        scroll = self.browser.verticalScrollBar().value()
        # The page's own palette: on a change it is updated before the browser's is.
        colours = Colours.from_palette(self.palette())
        if self.detail is None:
            self.browser.setHtml(page_css(colours) + EMPTY_HTML.removeprefix(_CSS))
            return
        # Plots follow the page's width rather than scroll sideways.
        width = self._wanted_width()
        if new_plots or width != self._plot_width:
            self.browser.images = self._plots(self.result, colours, width)
        self._plot_width = width
        names, reviewer = self._shown
        self.browser.setHtml(claim_html(self.detail, condition_names=names, reviewer=reviewer,
                                        result=self.result, colours=colours,
                                        plot_width=width))
        if keep_scroll:
            self.browser.verticalScrollBar().setValue(scroll)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.detail is not None:
            self._render(new_plots=True)  # colours follow a light/dark switch
            self._render_suggestions(keep_scroll=True)

    def _resized(self) -> None:
        if self.detail is not None and self.result is not None and \
                self._wanted_width() != self._plot_width and plotted(self.result.sof):
            self._render()

    def _wanted_width(self) -> int:
        return max(320, min(PLOT_WIDTH, self.browser.viewport().width() - 40))

    def _plots(self, result: VerdictResult | None, colours: Colours,
               width: int) -> dict[str, QImage]:
        """The forest plots as images exactly ``width`` points wide at the screen's pixel
        ratio (a scaled image loses its thin lines), text at its size in points."""
        if result is None:
            return {}
        ratio = max(1.0, self.devicePixelRatioF())
        inches = max(MIN_WIDTH, min(FULL_WIDTH, width / 96))
        dpi = width * ratio / inches
        images = {}
        for n, row in enumerate(plotted(result.sof)):
            image = QImage()
            image.loadFromData(forest_png(row, plot_colours(colours), dpi=dpi, width=inches), "PNG")
            image.setDevicePixelRatio(ratio)
            images[forest_url(n)] = image
        return images

    def _verdict_clicked(self) -> None:
        if self.claim_id is not None:
            self.verdict_requested.emit(self.claim_id)

    def _anchor(self, url: QUrl) -> None:
        scheme, value = url.scheme(), url.path()
        if scheme in ("http", "https"):
            QDesktopServices.openUrl(url)
            return
        if self.claim_id is None or not value.isdigit():
            return
        if scheme in ("et-link", "et-edit"):
            self.link_requested.emit(int(value), self.claim_id)
        elif scheme == "et-withdraw":
            self.withdraw_requested.emit(int(value), self.claim_id)
        elif scheme == "et-study":
            self.study_requested.emit(int(value))
        elif scheme == "et-history":
            self.history_requested.emit(int(value), self.claim_id)


def _plain_label(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class VerdictDialog(QDialog):
    """Confirm the suggested verdict or override it; a rationale is required. Saving
    records a ``verdict`` event (the previous verdicts stay in the audit trail)."""

    def __init__(self, project: Project, claim: Claim, status: VerdictStatus,
                 reviewer: ReviewerSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.reviewer = reviewer
        self.setObjectName("verdictDialog")
        self.setWindowTitle(f"Verdict for {claim.code}")
        self.setMinimumWidth(620)
        self.project, self.claim = project, claim
        self.status: VerdictStatus | None = None

        text = QLabel(f"{claim.code}: {claim.text}")
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        font = text.font()
        font.setBold(True)
        text.setFont(font)
        suggested = status.suggested
        infos = [_plain_label(f"The method suggests {VERDICT_LABELS[suggested.verdict]}: "
                              f"{suggested.statement}", "verdictSuggested")]
        if status.confirmed is not None:
            infos.append(_plain_label(
                f"Current verdict: {VERDICT_LABELS[status.confirmed]}, by {status.reviewer} on "
                f"{_date(status.decided_at)}. Rationale: {status.rationale}", "verdictCurrent"))
        if status.needs_rereview:
            warn = _plain_label("⚠ Needs re-review: " + "; ".join(status.rereview_reasons)
                                + ".", "verdictRereview")
            style_text(warn, Tone.CAUTION, bold=True)
            infos.append(warn)

        self.choice = QComboBox()
        self.choice.setObjectName("verdictChoice")
        for verdict, label in VERDICT_LABELS.items():
            tag = " (suggested)" if verdict is suggested.verdict else ""
            self.choice.addItem(label + tag, verdict.value)
        self.choice.setCurrentIndex(self.choice.findData(suggested.verdict.value))
        self.rationale = QPlainTextEdit()
        self.rationale.setObjectName("verdictRationale")
        self.rationale.setTabChangesFocus(True)
        self.rationale.setPlaceholderText(
            "Why this verdict: the studies and findings it rests on, and what would change it")
        self.rationale.setMinimumHeight(110)
        self.error = QLabel()
        self.error.setObjectName("verdictError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        style_text(self.error, Tone.BAD, bold=True)
        self.error.hide()

        form = QFormLayout()
        form.addRow("&Verdict:", self.choice)
        form.addRow("&Rationale:", self.rationale)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("Re&cord Verdict",
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setShortcut(QKeySequence("Ctrl+Return"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        for button in buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        self.save_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        for info in infos:
            layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.rationale.setFocus()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def accept(self) -> None:
        reviewer = self.reviewer.require(self)
        if reviewer is None:
            self.show_error("A reviewer name is needed: every verdict records who made it.")
            return
        try:
            self.status = evidence.record_verdict(
                self.project, self.claim.id, Verdict(self.choice.currentData()),
                rationale=self.rationale.toPlainText(), reviewer=reviewer)
        except ClaimsError as exc:
            self.show_error(str(exc))
            return
        super().accept()
