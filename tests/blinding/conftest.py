"""Fixtures for blind review (see :mod:`blind_scene`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from blinding.blind_scene import BlindScene, make_scene

from evidence_tracker.domain.models import Study


@pytest.fixture
def scene(tmp_path: Path, study_factory: Callable[..., Study]) -> Iterator[BlindScene]:
    yield from make_scene(tmp_path, study_factory)


# The Qt fixtures of tests/ui (offscreen app, isolated QSettings, a window opened as the
# app does), for the surfaces tested through the GUI.
from ui.conftest import (  # noqa: E402
    clipboard_emptied_at_exit,  # noqa: F401
    isolated_qsettings,  # noqa: F401
    make_window,  # noqa: F401
)
