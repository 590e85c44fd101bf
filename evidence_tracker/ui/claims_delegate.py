"""Painting of the claims view's rows, and the item roles it shares with the claim page:
two-line claim rows (code and wrapped text; evidence counts; a verdict badge with its state
in words) drawn by :class:`ClaimsDelegate`, in the colours of the view's palette.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from evidence_tracker.domain.claims import VERDICT_LABELS
from evidence_tracker.domain.models import Stance, Verdict
from evidence_tracker.ui.theme import Colours, Tone

Index = QModelIndex | QPersistentModelIndex

KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # "group" or "claim"
CLAIM_ID_ROLE = Qt.ItemDataRole.UserRole + 2
CODE_ROLE = Qt.ItemDataRole.UserRole + 3
COUNTS_ROLE = Qt.ItemDataRole.UserRole + 4  # (supports, partly, contradicts)
VERDICT_ROLE = Qt.ItemDataRole.UserRole + 5  # Verdict value
STATE_ROLE = Qt.ItemDataRole.UserRole + 6  # "suggested", "confirmed" or "rereview"

STATE_TEXT = {"suggested": "Suggested", "confirmed": "Confirmed", "rereview": "Needs re-review"}


def elided_lines(text: str, fm: QFontMetrics, width: int, max_lines: int) -> list[str]:
    """Word-wrap ``text`` to ``width`` pixels; the last allowed line ends with an ellipsis."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if current and fm.horizontalAdvance(trial) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :]) + " …"]
    return [fm.elidedText(line, Qt.TextElideMode.ElideRight, max(width, 8)) for line in lines]


def paint_badge(
    painter: QPainter, rect: QRect, text: str, verdict: Verdict, *, filled: bool,
    theme: Colours,
) -> int:
    """A rounded badge at the left of ``rect``, vertically centred; returns its width."""
    strong, tint = (QColor(c) for c in theme.verdict(verdict))
    font = QFont(painter.font())
    font.setBold(True)
    fm = QFontMetrics(font)
    width = min(fm.horizontalAdvance(text) + 16, rect.width())
    height = fm.height() + 6
    box = QRect(rect.left(), rect.top() + (rect.height() - height) // 2, width, height)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(strong, 1.2))
    painter.setBrush(strong if filled else tint)
    painter.drawRoundedRect(box.adjusted(0, 0, -1, -1), height / 2, height / 2)
    painter.setFont(font)
    painter.setPen(QColor(theme.on_tone()) if filled else strong)
    label = fm.elidedText(text, Qt.TextElideMode.ElideRight, width - 12)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
    painter.restore()
    return width


class ClaimsDelegate(QStyledItemDelegate):
    """Paints claim rows on two lines: code and wrapped text; counts; badge and state."""

    PAD = 6
    CODE_WIDTH = 46

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        fm = QFontMetrics(option.font)
        if index.data(KIND_ROLE) == "claim":
            return QSize(120, 2 * fm.lineSpacing() + 2 * self.PAD + 2)
        return QSize(120, fm.lineSpacing() + 2 * self.PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        kind = index.data(KIND_ROLE)
        text = opt.text
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect: QRect = opt.rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette = opt.palette
        ink = palette.highlightedText().color() if selected else palette.text().color()
        theme = Colours.from_palette(palette)
        painter.save()
        painter.setFont(opt.font)
        fm = QFontMetrics(opt.font)
        if kind == "group":
            self._paint_group(painter, rect, text, index, ink, theme)
        elif index.column() == 0:
            self._paint_claim(painter, rect, text, str(index.data(CODE_ROLE) or ""), fm, ink,
                              selected, theme)
        elif index.column() == 1:
            self._paint_counts(painter, rect, index.data(COUNTS_ROLE) or (0, 0, 0), fm, ink,
                               selected, theme)
        else:
            self._paint_verdict(painter, rect, index, fm, ink, selected, theme)
        painter.restore()

    @staticmethod
    def _paint_group(painter: QPainter, rect: QRect, text: str, index: Index,
                     ink: QColor, theme: Colours) -> None:
        font = QFont(painter.font())
        if index.column() == 0:
            font.setBold(True)
            depth = 0
            parent = index.parent()
            while parent.isValid():
                depth += 1
                parent = parent.parent()
            if depth == 0 and index.model().hasChildren(index) and index.model().index(
                    0, 0, index).data(KIND_ROLE) == "group":
                font.setPointSizeF(font.pointSizeF() * 1.08)
            painter.setFont(font)
            painter.setPen(ink)
        else:
            painter.setPen(QColor(theme.muted))
        flags = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        painter.drawText(rect, flags, QFontMetrics(font).elidedText(
            text, Qt.TextElideMode.ElideRight, rect.width()))

    def _paint_claim(self, painter: QPainter, rect: QRect, text: str, code: str,
                     fm: QFontMetrics, ink: QColor, selected: bool, theme: Colours) -> None:
        normal = QFont(painter.font())
        small = QFont(normal)
        small.setPointSizeF(small.pointSizeF() * 0.88)
        small.setBold(True)
        painter.setFont(small)
        painter.setPen(ink if selected else QColor(theme.muted))
        code_rect = QRect(rect.left(), rect.top(), self.CODE_WIDTH, fm.lineSpacing())
        painter.drawText(code_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         code)
        painter.setFont(normal)
        text_rect = rect.adjusted(self.CODE_WIDTH, 0, 0, 0)
        painter.setPen(ink)
        for i, line in enumerate(elided_lines(text, fm, text_rect.width(), 2)):
            line_rect = QRect(text_rect.left(), text_rect.top() + i * fm.lineSpacing(),
                              text_rect.width(), fm.lineSpacing())
            painter.drawText(line_rect, Qt.AlignmentFlag.AlignLeft
                             | Qt.AlignmentFlag.AlignVCenter, line)

    @staticmethod
    def _paint_counts(painter: QPainter, rect: QRect, counts: tuple[int, int, int],
                      fm: QFontMetrics, ink: QColor, selected: bool, theme: Colours) -> None:
        labels = ("supp.", "partly", "contra.")
        stances = (Stance.SUPPORTS, Stance.PARTLY_SUPPORTS, Stance.CONTRADICTS)
        cell = rect.width() // 3
        bold = QFont(painter.font())
        bold.setBold(True)
        small = QFont(painter.font())
        small.setPointSizeF(small.pointSizeF() * 0.8)
        for i, (n, label, stance) in enumerate(zip(counts, labels, stances, strict=True)):
            top = QRect(rect.left() + i * cell, rect.top(), cell, fm.lineSpacing())
            bottom = top.translated(0, fm.lineSpacing())
            # a zero is muted, not faint: it must read as well as a count
            colour = ink if selected else QColor(theme.stance(stance) if n else theme.muted)
            painter.setFont(bold)
            painter.setPen(colour)
            painter.drawText(top, Qt.AlignmentFlag.AlignCenter, str(n))
            painter.setFont(small)
            painter.setPen(ink if selected else QColor(theme.muted))
            painter.drawText(bottom, Qt.AlignmentFlag.AlignCenter, label)

    @staticmethod
    def _paint_verdict(painter: QPainter, rect: QRect, index: Index, fm: QFontMetrics,
                       ink: QColor, selected: bool, theme: Colours) -> None:
        try:
            verdict = Verdict(index.data(VERDICT_ROLE))
        except ValueError:
            return
        state = str(index.data(STATE_ROLE) or "suggested")
        line = fm.lineSpacing()
        badge_rect = QRect(rect.left(), rect.top() - 1, rect.width(), line + 2)
        paint_badge(painter, badge_rect, VERDICT_LABELS[verdict], verdict,
                    filled=state != "suggested", theme=theme)
        small = QFont(painter.font())
        small.setPointSizeF(small.pointSizeF() * 0.85)
        if state == "rereview":
            small.setBold(True)
        painter.setFont(small)
        colour = QColor(theme.tone(Tone.CAUTION) if state == "rereview" else theme.muted)
        painter.setPen(ink if selected else colour)
        label = ("⚠ " if state == "rereview" else "") + STATE_TEXT[state]
        state_rect = QRect(rect.left() + 4, rect.top() + line + 2, rect.width() - 4, line)
        painter.drawText(state_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         label)
