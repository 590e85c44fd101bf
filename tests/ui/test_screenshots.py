"""Screenshots of the main window at 1280x800 and 1920x1080, light and dark, and once at a
scale of 2, each on an offscreen screen of that size (tests/ui/make_layout_screenshots.py
in a child process): the window stays on the screen, the panes and docks have room, and
the claims list's text column is readable. The PNGs stay in pytest's tmp dir to look at."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

SCRIPT = Path(__file__).with_name("make_layout_screenshots.py")
VIEWS = ("studies", "studies-appraisal", "claims", "claims-grade")


@pytest.mark.parametrize(("screen", "scale", "themes"), [
    ("1280x800", 1, "light,dark"),
    ("1920x1080", 1, "light,dark"),
    ("1280x800", 2, "dark"),
])
def test_main_window_screenshots(screen: str, scale: int, themes: str,
                                 tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--screen", screen, "--scale", str(scale),
         "--themes", themes, str(tmp_path)],
        capture_output=True, text=True, timeout=600, check=False)
    problems = [line for line in done.stdout.splitlines() if "LAYOUT PROBLEM" in line]
    assert done.returncode == 0, "\n".join(problems) or done.stderr[-3000:]
    width, height = (int(v) for v in screen.split("x"))
    suffix = screen + (f"-x{scale}" if scale != 1 else "")
    for theme in themes.split(","):
        for view in VIEWS:
            image = QImage(str(tmp_path / f"{view}-{suffix}-{theme}.png"))
            assert not image.isNull(), (view, theme)
            # the window fills its screen (less the frame), in device pixels
            assert width * scale - 16 <= image.width() <= width * scale, (view, image.width())
            assert height * scale - 16 <= image.height() <= height * scale
            corner = image.pixelColor(image.width() // 2, image.height() - 4 * scale)
            assert (corner.lightness() < 128) == (theme == "dark"), (view, theme)
