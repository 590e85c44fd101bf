"""Guards against a broken Qt binding: PySide6 6.12.0 drains None's refcount on Python 3.11.

Each void Qt call there returned None without a reference; a few thousand repaints later
the interpreter aborted ("deallocating None"). pyproject pins a release without the bug.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_do_not_drain_none(qtbot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
    assert sys.getrefcount(None) >= before - 50  # other code may drop a few; not 2000
