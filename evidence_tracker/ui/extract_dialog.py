"""Claims from a new page: open a saved page (.html, .txt) or paste its text, list the
sentences that read as claims with their score and reasons, and decide on each one:
accept as a new claim (its text, category, kind and time frame can be edited first),
merge into the most similar existing claim as one more source, or reject. Keys A, M and R act on the
selected candidate; decisions are quick local writes on the window's connection.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.claims import CATEGORY_LABELS, KIND_LABELS, ClaimsError, Pico
from evidence_tracker.services import claims as claims_service
from evidence_tracker.services.claims import Candidate, PageRef
from evidence_tracker.store import Project
from evidence_tracker.store import claims as claims_store
from evidence_tracker.ui.claims_view import category_label
from evidence_tracker.ui.context import ReviewerSession
from evidence_tracker.ui.theme import Tone, colours, style_text

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Score", "Sentence", "Why", "Most similar claim", "Decision")
STATUS_TEXT = {"new": "New", "source": "Already a source", "rejected": "Rejected before"}


class ExtractDialog(QDialog):
    """Emits ``changed`` whenever a decision wrote to the project."""

    changed = Signal()

    def __init__(self, project: Project, reviewer: ReviewerSession,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.reviewer = reviewer
        self.setObjectName("extractDialog")
        self.setWindowTitle("Extract Claims from a Page")
        self.resize(1120, 760)
        self.project = project
        self.candidates: list[Candidate] = []
        self.decisions: dict[int, str] = {}
        self.file_name = ""
        pages = claims_store.list_pages(project)
        self._pages_by_file = {p["file_name"]: p for p in pages if p["file_name"]}

        self.open_button = QPushButton("&Open Saved Page…")
        self.open_button.clicked.connect(self.open_file_dialog)
        self.file_label = QLabel("or paste the page's text below")
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        style_text(self.file_label)
        self.clinic = QLineEdit()
        self.clinic.setObjectName("extractClinic")
        self.clinic.setPlaceholderText("The clinic that publishes the page")
        clinics = sorted({p["clinic_name"] for p in pages}, key=str.casefold)
        self.clinic.setCompleter(QCompleter(clinics, self))
        self.page_title = QLineEdit()
        self.page_title.setObjectName("extractTitle")
        self.page_title.setPlaceholderText("The page's title")
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://… (optional)")
        self.text = QPlainTextEdit()
        self.text.setObjectName("extractText")
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText("Paste the page text here, or open a saved page.")
        self.text.setFixedHeight(96)
        self.find_button = QPushButton("&Find Claims")
        self.find_button.setObjectName("extractFind")
        self.find_button.clicked.connect(self.find_candidates)

        self.table = QTreeWidget()
        self.table.setObjectName("candidateTable")
        self.table.setColumnCount(len(COLUMNS))
        self.table.setHeaderLabels(list(COLUMNS))
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 52), (2, 190), (3, 220), (4, 150)):
            self.table.setColumnWidth(col, width)
        self.table.currentItemChanged.connect(lambda *_: self._show_current())
        self.table.installEventFilter(self)

        self.sentence = QLabel()
        self.sentence.setObjectName("candidateSentence")
        self.sentence.setTextFormat(Qt.TextFormat.PlainText)
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.claim_text = QLineEdit()
        self.claim_text.setObjectName("candidateClaimText")
        self.category = QComboBox()
        for value, label in CATEGORY_LABELS.items():
            self.category.addItem(label, value.value)
        self.kind = QComboBox()
        self.kind.setObjectName("candidateKind")
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind.value)
        self.time_frame = QLineEdit()
        self.time_frame.setObjectName("candidateTimeFrame")
        self.time_frame.setPlaceholderText("The time frame the claim states, if any")
        self.match_label = QLabel()
        self.match_label.setTextFormat(Qt.TextFormat.PlainText)
        self.match_label.setWordWrap(True)
        style_text(self.match_label)
        self.accept_button = QPushButton("&Accept as New Claim  [A]")
        self.accept_button.setObjectName("candidateAccept")
        self.merge_button = QPushButton("&Merge into Similar Claim  [M]")
        self.merge_button.setObjectName("candidateMerge")
        self.reject_button = QPushButton("&Reject  [R]")
        self.reject_button.setObjectName("candidateReject")
        self.accept_button.clicked.connect(self.accept_current)
        self.merge_button.clicked.connect(self.merge_current)
        self.reject_button.clicked.connect(self.reject_current)
        self.status = QLabel("Open a page or paste its text, then Find Claims.")
        self.status.setObjectName("extractStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)

        page_form = QFormLayout()
        file_row = QHBoxLayout()
        file_row.addWidget(self.open_button)
        file_row.addWidget(self.file_label, 1)
        page_form.addRow("Page:", file_row)
        names = QHBoxLayout()
        names.addWidget(self.clinic, 1)
        title_label = QLabel("&Title:")
        title_label.setBuddy(self.page_title)
        names.addWidget(title_label)
        names.addWidget(self.page_title, 2)
        clinic_label = QLabel("&Clinic:")
        clinic_label.setBuddy(self.clinic)
        page_form.addRow(clinic_label, names)
        page_form.addRow("URL:", self.url)
        text_row = QHBoxLayout()
        text_row.addWidget(self.text, 1)
        text_row.addWidget(self.find_button, 0, Qt.AlignmentFlag.AlignBottom)
        page_form.addRow("Text:", text_row)

        decide = QGroupBox("Selected candidate")
        decide_form = QFormLayout(decide)
        decide_form.addRow("Sentence:", self.sentence)
        claim_label = QLabel("Claim te&xt:")
        claim_label.setBuddy(self.claim_text)
        cat_row = QHBoxLayout()
        cat_row.addWidget(self.claim_text, 1)
        cat_label = QLabel("Cate&gory:")
        cat_label.setBuddy(self.category)
        cat_row.addWidget(cat_label)
        cat_row.addWidget(self.category)
        decide_form.addRow(claim_label, cat_row)
        kind_label = QLabel("&Kind:")
        kind_label.setBuddy(self.kind)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.kind)
        tf_label = QLabel("Tim&e frame:")
        tf_label.setBuddy(self.time_frame)
        kind_row.addWidget(tf_label)
        kind_row.addWidget(self.time_frame, 1)
        decide_form.addRow(kind_label, kind_row)
        decide_form.addRow("Similar:", self.match_label)
        actions = QHBoxLayout()
        actions.addWidget(self.accept_button)
        actions.addWidget(self.merge_button)
        actions.addWidget(self.reject_button)
        actions.addStretch(1)
        decide_form.addRow("", actions)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        for button in self.findChildren(QPushButton):  # Enter must not close or decide
            button.setAutoDefault(False)
            button.setDefault(False)
        layout = QVBoxLayout(self)
        layout.addLayout(page_form)
        layout.addWidget(self.table, 1)
        layout.addWidget(decide)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._show_current()

    # -- the page --------------------------------------------------------------------------
    def open_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a saved clinic page", str(Path.home()),
            "Saved web pages (*.html *.htm *.txt);;All files (*)")
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> bool:
        """Read a saved page; a page already in the register fills in clinic and title."""
        try:
            title, text = claims_service.read_page_file(path)
        except ClaimsError as exc:
            self.status.setText(str(exc))
            return False
        self.file_name = path.name
        self.file_label.setText(str(path))
        self.text.setPlainText(text)
        known = self._pages_by_file.get(path.name)
        if known is not None:
            self.clinic.setText(known["clinic_name"])
            self.page_title.setText(known["title"])
            self.url.setText(known["url"])
        else:
            self.page_title.setText(title)
        self.find_candidates()
        return True

    def page_ref(self) -> PageRef:
        return PageRef(clinic=self.clinic.text().strip(), title=self.page_title.text().strip(),
                       url=self.url.text().strip(), text=self.text.toPlainText(),
                       file_name=self.file_name)

    def find_candidates(self) -> None:
        text = self.text.toPlainText()
        if not text.strip():
            self.status.setText("There is no text: open a saved page or paste its text.")
            return
        title = self.page_title.text().strip()
        self.candidates = claims_service.extract_candidates(self.project, text, title)
        self.decisions = {}
        self.table.clear()
        for row, c in enumerate(self.candidates):
            item = QTreeWidgetItem(self._row_texts(c, ""))
            item.setData(0, ROW_ROLE, row)
            item.setTextAlignment(0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(1, c.sentence)
            item.setToolTip(2, "\n".join(c.reasons))
            if c.match is not None:
                item.setToolTip(3, f"{c.match.code}: {c.match.text}")
            if c.status != "new":  # already decided on an earlier visit: greyed
                for col in range(len(COLUMNS)):
                    item.setForeground(col, QColor(colours(self).muted))
            self.table.addTopLevelItem(item)
        new = sum(c.status == "new" for c in self.candidates)
        self.status.setText(
            f"{len(self.candidates)} sentences read as claims ({new} new). Decide on each: "
            "A accept, M merge, R reject; ↑/↓ to move.")
        first = next((i for i, c in enumerate(self.candidates) if c.status == "new"), 0)
        first_item = self.table.topLevelItem(first)
        if first_item is not None:
            self.table.setCurrentItem(first_item)
            self.table.setFocus()
        self._show_current()

    @staticmethod
    def _row_texts(c: Candidate, decision: str) -> list[str]:
        similar = ""
        if c.match is not None:
            similar = f"{c.match.code} ({c.match.similarity:.0%}): {c.match.text}"
        return [f"{c.score:g}", c.sentence, ", ".join(c.reasons), similar,
                decision or STATUS_TEXT.get(c.status, c.status)]

    # -- the current candidate -------------------------------------------------------------
    def current_row(self) -> int | None:
        item = self.table.currentItem()
        return int(item.data(0, ROW_ROLE)) if item is not None else None

    def current(self) -> Candidate | None:
        row = self.current_row()
        return self.candidates[row] if row is not None else None

    def _show_current(self) -> None:
        c = self.current()
        decided = c is not None and (c.status == "source" or self.current_row() in self.decisions)
        for w in (self.accept_button, self.reject_button, self.claim_text, self.category,
                  self.kind, self.time_frame):
            w.setEnabled(c is not None and not decided)
        self.merge_button.setEnabled(c is not None and not decided and c.match is not None)
        if c is None:
            self.sentence.setText("")
            self.claim_text.clear()
            self.match_label.setText("")
            self.merge_button.setText("&Merge into Similar Claim  [M]")
            return
        self.sentence.setText(f"“{c.sentence}”  (score {c.score:g}: {', '.join(c.reasons)})")
        self.claim_text.setText(c.sentence)
        self.claim_text.setCursorPosition(0)
        self.category.setCurrentIndex(max(self.category.findData(c.category), 0))
        self.kind.setCurrentIndex(max(self.kind.findData(c.kind.value), 0))
        self.kind.setToolTip(f"Suggested from the wording: {KIND_LABELS[c.kind]}")
        self.time_frame.setText(c.time_frame)
        if c.match is None:
            self.match_label.setText("No similar claim in the register.")
            self.merge_button.setText("&Merge into Similar Claim  [M]")
        else:
            advice = " (merge suggested)" if c.merge_suggested else ""
            conditions = ", ".join(c.conditions) or "none found"
            self.match_label.setText(
                f"{c.match.code}: {c.match.text} — similarity {c.match.similarity:.0%}"
                f"{advice}. Proposed: {category_label(c.category)}; conditions: {conditions}.")
            self.merge_button.setText(f"&Merge into {c.match.code}  [M]")
        if c.status == "source" and c.match is not None:
            self.match_label.setText(f"Already a source of {c.match.code}: {c.match.text}")

    def _decided(self, decision: str) -> None:
        row = self.current_row()
        item = self.table.currentItem()
        if row is None or item is None:
            return
        self.decisions[row] = decision
        item.setText(4, decision)
        theme = colours(self)
        colour = QColor(theme.muted if decision == "Rejected" else theme.tone(Tone.GOOD))
        item.setForeground(4, colour)
        font = item.font(4)
        font.setBold(True)
        item.setFont(4, font)
        self.status.setText(f"{decision}.")
        following = [i for i in range(row + 1, len(self.candidates)) if self._open(i)]
        earlier = [i for i in range(row) if self._open(i)]
        next_item = self.table.topLevelItem((following or earlier or [row])[0])
        if next_item is not None:
            self.table.setCurrentItem(next_item)
        self._show_current()

    def _open(self, row: int) -> bool:
        return row not in self.decisions and self.candidates[row].status != "source"

    def _run(self, action: str) -> None:
        c = self.current()
        if c is None:
            return
        if c.status == "source" or self.current_row() in self.decisions:
            self.status.setText("This sentence is already decided.")
            return
        reviewer = self.reviewer.require(self)
        if reviewer is None:
            self.status.setText("A reviewer name is needed: every decision records who made it.")
            return
        page = self.page_ref()
        try:
            if action == "accept":
                claim = claims_service.accept_candidate(
                    self.project, c.sentence, page=page, reviewer=reviewer,
                    text=self.claim_text.text().strip() or c.sentence,
                    category=str(self.category.currentData()),
                    kind=str(self.kind.currentData()),
                    pico=Pico(intervention="Ketamine",
                              timepoint=self.time_frame.text().strip()))
                decision = f"Accepted as {claim.code}"
            elif action == "merge":
                if c.match is None:
                    self.status.setText("There is no similar claim to merge into.")
                    return
                claim = claims_service.merge_candidate(
                    self.project, c.match.claim_id, c.sentence, page=page, reviewer=reviewer)
                decision = f"Merged into {claim.code}"
            else:
                claims_service.reject_candidate(self.project, c.sentence, page=page,
                                                reviewer=reviewer)
                decision = "Rejected"
        except ClaimsError as exc:
            self.status.setText(f"Not saved: {exc}")
            return
        self._decided(decision)
        if action != "reject":
            self.changed.emit()

    def accept_current(self) -> None:
        self._run("accept")

    def merge_current(self) -> None:
        self._run("merge")

    def reject_current(self) -> None:
        self._run("reject")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) and not event.modifiers():
            action = {Qt.Key.Key_A: self.accept_current, Qt.Key.Key_M: self.merge_current,
                      Qt.Key.Key_R: self.reject_current}.get(Qt.Key(event.key()))
            if action is not None:
                action()
                return True
        return super().eventFilter(watched, event)
