"""Which studies a systematic review includes: the studies of the project its PubMed
reference list cites are proposed (ticked), the reviewer confirms or corrects the list.

Saving calls :func:`evidence_tracker.services.evidence.record_inclusions` (an
``inclusion`` event about the review); a review and the trials it includes then count
once in a claim's body of evidence.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence_tracker.domain.claims import ClaimsError
from evidence_tracker.services import evidence
from evidence_tracker.services import review as review_service
from evidence_tracker.store import Project
from evidence_tracker.ui.context import ReviewerSession
from evidence_tracker.ui.theme import Tone, style_text

STUDY_ROLE = Qt.ItemDataRole.UserRole + 1


class InclusionsDialog(QDialog):
    """The included studies of ``review_id``: the recorded list, else the proposals,
    ticked; the other studies linked to the same claims, unticked, to add by hand."""

    def __init__(self, project: Project, review_id: int, reviewer: ReviewerSession,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("inclusionsDialog")
        self.setWindowTitle("Included Studies")
        self.resize(760, 520)
        self.project = project
        self.review_id = review_id
        self.reviewer = reviewer
        self.saved: frozenset[int] | None = None
        briefs = evidence.study_briefs(project, [review_id])
        if review_id not in briefs:
            raise ClaimsError(f"No study #{review_id} in this project.")
        review = briefs[review_id]
        self.proposed = evidence.propose_inclusions(project, review_id)
        # Blind mode: only the inclusions and links this reviewer may see ("" is blinded).
        viewer = reviewer.name
        recorded = evidence.review_inclusions(project, [review_id], viewer).get(review_id)
        # Candidates: what is recorded or proposed, and what is linked where the review is.
        claims = {v.claim_id for v in review_service.filter_links(
            project, evidence.current_links(project, study=review_id), viewer)}
        linked = [v.study.id for c in sorted(claims)
                  for v in review_service.filter_links(
                      project, evidence.current_links(project, claim=c), viewer)]
        ordered = list(dict.fromkeys([*sorted(recorded or ()), *self.proposed, *linked]))
        ordered = [i for i in ordered if i != review_id]
        ticked = set(recorded) if recorded is not None else set(self.proposed)

        heading = QLabel(f"{review.key} · {review.design.label}\n{review.title}")
        heading.setObjectName("inclusionsReview")
        heading.setTextFormat(Qt.TextFormat.PlainText)
        heading.setWordWrap(True)
        if recorded is not None:
            source = "Ticked: the studies recorded as included."
        elif self.proposed:
            source = (f"Ticked: {len(self.proposed)} stud"
                      f"{'y' if len(self.proposed) == 1 else 'ies'} of this project cited in "
                      "the review's PubMed reference list. Confirm or correct.")
        else:
            source = ("PubMed lists no references of this review that are in the project: "
                      "tick the studies it includes.")
        self.hint = QLabel(source)
        self.hint.setObjectName("inclusionsHint")
        self.hint.setWordWrap(True)
        style_text(self.hint)
        self.studies = QListWidget()
        self.studies.setObjectName("inclusionsList")
        infos = evidence.study_briefs(project, ordered)
        for study_id in ordered:
            b = infos[study_id]
            mark = "  [cited in its reference list]" if study_id in self.proposed else ""
            item = QListWidgetItem(f"{b.key}  {b.year or ''}  [{b.design.label}]  "
                                   f"{b.title}{mark}")
            item.setData(STUDY_ROLE, study_id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if study_id in ticked
                               else Qt.CheckState.Unchecked)
            self.studies.addItem(item)
        if not ordered:
            empty = QListWidgetItem("No candidate studies: link the trials to the claim "
                                    "first, or fetch the review's references.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.studies.addItem(empty)
        self.error = QLabel()
        self.error.setObjectName("inclusionsError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        style_text(self.error, Tone.BAD, bold=True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("&Save Included Studies",
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("inclusionsSave")
        self.save_button.setShortcut(QKeySequence("Ctrl+Return"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.hint)
        layout.addWidget(self.studies, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.studies.setFocus()
        if self.studies.count():
            self.studies.setCurrentRow(0)

    def checked_ids(self) -> list[int]:
        out = []
        for row in range(self.studies.count()):
            item = self.studies.item(row)
            if item.data(STUDY_ROLE) is not None and \
                    item.checkState() == Qt.CheckState.Checked:
                out.append(int(item.data(STUDY_ROLE)))
        return out

    def accept(self) -> None:
        reviewer = self.reviewer.require(self)
        if reviewer is None:
            self.error.setText("A reviewer name is needed: every record says who made it.")
            self.error.show()
            return
        try:
            self.saved = evidence.record_inclusions(self.project, self.review_id,
                                                    self.checked_ids(), reviewer=reviewer)
        except ClaimsError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()
