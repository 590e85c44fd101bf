"""Answer the modal dialogs code under test opens (exec(), static QFileDialog and QMessageBox
functions, open()), in order, from a timer: the real dialogs run, a test fills them in."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QLineEdit, QWidget

Handler = Callable[[Any], None]


class ModalDriver:
    """``expect(QFileDialog, handler)``: when a dialog of that class becomes the active modal
    widget, the handler gets it (and must close it). Unanswered expectations fail."""

    def __init__(self) -> None:
        self.pending: deque[tuple[type[QWidget], Handler]] = deque()
        self.answered: list[QWidget] = []
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._poll)

    def expect(self, kind: type[QWidget], handler: Handler) -> ModalDriver:
        self.pending.append((kind, handler))
        self.timer.start()
        return self

    def _poll(self) -> None:
        if not self.pending:
            self.timer.stop()
            return
        widget = QApplication.activeModalWidget()
        kind, handler = self.pending[0]
        if isinstance(widget, kind) and widget.isVisible() and not any(
                widget is w for w in self.answered):
            self.pending.popleft()
            self.answered.append(widget)
            handler(widget)

    @property
    def done(self) -> bool:
        return not self.pending

    def stop(self) -> None:
        self.timer.stop()


def choose_file(path: Path | str | list[Path]) -> Handler:
    """A handler that picks ``path`` (or several files of one folder) in a QFileDialog."""
    def handle(dialog: QFileDialog) -> None:
        paths = path if isinstance(path, list) else [Path(path)]
        dialog.setDirectory(str(paths[0].parent))
        names = (" ".join(f'"{p.name}"' for p in paths) if len(paths) > 1
                 else paths[0].name)
        dialog.selectFile(names)
        # selectFile leaves the name field alone while it has the keyboard focus (Qt's
        # rule), so a dialog that got the focus would keep its default name: type it in.
        name_field = dialog.findChild(QLineEdit, "fileNameEdit")
        if name_field is not None:
            name_field.setText(names)
        dialog.accept()
    return handle


def accept(dialog: QDialog) -> None:
    dialog.accept()


def reject(dialog: QDialog) -> None:
    dialog.reject()


def driven_modals(qapp: QApplication) -> Iterator[ModalDriver]:
    """For a fixture: a driver for modal dialogs, with Qt's own (not the desktop's) file
    dialogs; fails the test when an expected dialog never showed."""
    old = qapp.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
    qapp.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, True)
    driver = ModalDriver()
    yield driver
    driver.stop()
    qapp.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, old)
    assert driver.done, f"dialogs never shown: {[k.__name__ for k, _ in driver.pending]}"
