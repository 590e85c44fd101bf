"""Screenshots of the main window on one screen size, light and dark, with layout checks.

Run (the screen size comes from an offscreen platform configuration this script writes):
    .venv/bin/python tests/ui/make_layout_screenshots.py --screen 1920x1080 [--scale 2]
        [--themes light,dark] [DIR]
It re-runs itself with ``QT_QPA_PLATFORM=offscreen:configfile=…`` (and ``QT_SCALE_FACTOR``),
fills a demo project (synthetic records from the fake E-utilities server, fetched through
the real fetch service; links and verdicts through the services), and for each theme saves
the studies view (alone and with the appraisal dock), the claims view and the claims
view with the GRADE dock open, as
``DIR/{studies,studies-appraisal,claims,claims-grade}-WxH[-xN]-{light,dark}.png``.
It exits non-zero, saying
why, when the window leaves the screen, a key widget has no size, or a claim's text in the
claims list is cut although it would fit two lines of a readable column.

With ``--root-shot`` it runs on the display it is given (an X server: Xvfb) and saves the
whole X screen with ImageMagick's ``import -window root``: tests/ui/make_readme_screenshots.sh.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from evidence_tracker.ui.theme import ThemeChoice

#: The claim text column must give at least this many pixels per line at 1920 px.
MIN_TEXT_WIDTH_WIDE = 360
#: ... and at least this many on a 1280-pixel screen with a dock open (two short lines).
MIN_TEXT_WIDTH = 100


def child_environment(width: int, height: int, scale: int, folder: Path) -> dict[str, str]:
    """Environment for an offscreen screen of ``width`` x ``height`` logical pixels."""
    config = folder / f"screen-{width}x{height}x{scale}.json"
    config.write_text(json.dumps({"screens": [{
        "name": "screen", "x": 0, "y": 0, "width": width * scale, "height": height * scale,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}")
    if scale != 1:
        env["QT_SCALE_FACTOR"] = str(scale)
    return env


def problems_in(window, app, screen_size: tuple[int, int]) -> list[str]:  # type: ignore[no-untyped-def]
    """What is wrong with the window's layout now (nothing: an empty list)."""
    from evidence_tracker.ui.claims_delegate import KIND_ROLE, ClaimsDelegate, elided_lines

    found = []
    available = window.screen().availableGeometry()
    frame = window.frameGeometry()
    if frame.width() > available.width() or frame.height() > available.height():
        found.append(f"window {frame.width()}x{frame.height()} larger than the screen "
                     f"{available.width()}x{available.height()}")
    key = [window.sidebar, window.centre.currentWidget()]
    docked = [d for d in window.grading.docks if d.isVisible()]
    if not (window.claims.active and docked and window.width() < 1700):
        key.append(window.right.currentWidget())  # folded for a dock on a narrow window
    key += docked
    for widget in key:
        if widget.width() < 150 or widget.height() < 150 or not widget.isVisible():
            found.append(f"{widget.objectName() or type(widget).__name__} is "
                         f"{widget.width()}x{widget.height()}")
    if window.claims.active:
        tree = window.claims.view.tree
        fm = tree.fontMetrics()
        model = tree.model()
        cut = []
        widths = []

        def walk(parent):  # type: ignore[no-untyped-def]
            for row in range(model.rowCount(parent)):
                index = model.index(row, 0, parent)
                if index.data(KIND_ROLE) == "claim":
                    width = (tree.visualRect(index).width() - 2 * ClaimsDelegate.PAD
                             - ClaimsDelegate.CODE_WIDTH)
                    widths.append(width)
                    text = str(index.data())
                    lines = elided_lines(text, fm, width, 2)
                    fits = len(elided_lines(text, fm, width, 99)) <= 2
                    if fits and lines[-1].endswith("…"):
                        cut.append(text[:30])
                walk(index)

        walk(tree.rootIndex())
        if cut:
            found.append(f"claims cut although they fit: {cut[:3]}")
        wanted = MIN_TEXT_WIDTH_WIDE if screen_size[0] >= 1920 else MIN_TEXT_WIDTH
        if widths and min(widths) < wanted:
            found.append(f"claim text column {min(widths)} px (< {wanted})")
    return found


def render(out: Path, screen_size: tuple[int, int], scale: int,
           themes: list[ThemeChoice], root_shot: bool = False) -> int:
    import make_claims_screenshot as demo
    from screenshot_support import fetch_demo, isolate_settings, settle, settle_until

    from evidence_tracker.services import project as project_service
    from evidence_tracker.ui.app import make_application, open_main_window
    from evidence_tracker.ui.theme import apply_theme

    tmp = Path(tempfile.mkdtemp())
    isolate_settings(tmp, demo.REVIEWER)
    app = make_application()
    db = tmp / "ketamine-audit.sqlite3"
    with project_service.open_or_create(db) as project:
        fetch_demo(project, demo.DEMO)
    demo.judge(db)
    width, height = screen_size
    suffix = f"{width}x{height}" + (f"-x{scale}" if scale != 1 else "")
    failures = []
    for theme in themes:
        apply_theme(theme)
        window = open_main_window(db)
        window.resize(width, height)  # as large as the screen: fit_to_screen trims the frame
        window.show()
        settle(app)
        window.table.selectRow(next(
            r for r in range(window.model.rowCount())
            if "Low-dose" in str(window.model.index(r, 3).data())))
        settle(app)
        def shoot(name: str, window=window, theme=theme) -> None:  # type: ignore[no-untyped-def]
            settle(app)
            path = out / f"{name}-{suffix}-{theme.value}.png"
            if root_shot:  # the X screen as a user sees it (under Xvfb)
                from PySide6.QtTest import QTest

                QTest.qWait(400)
                subprocess.run(["import", "-window", "root", str(path)], check=True)
            else:
                window.grab().save(str(path))
            failures.extend(f"{path.name}: {p}" for p in problems_in(window, app, screen_size))

        shoot("studies")
        window.grading.show_appraisal()
        shoot("studies-appraisal")
        for dock in window.grading.docks:
            dock.hide()
        settle(app)  # as a user's next click would find it
        window.sidebar.select_clinic(0)
        claim = demo.claims_by_code(window.claims, "C011")
        window.claims.view.select_claim(claim)
        settle_until(app, lambda w=window: not w.claims.suggesting)  # from the task runner
        window.claims.page.browser.verticalScrollBar().setValue(0)  # heading and verdict
        shoot("claims")
        window.grading.show_grade()
        shoot("claims-grade")
        for dock in window.grading.docks:
            dock.hide()
        window.close()
        settle(app)
    for line in failures:
        print("LAYOUT PROBLEM:", line)
    print("wrote", " ".join(sorted(p.name for p in out.glob(f"*-{suffix}-*.png"))))
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    options = dict(a[2:].split("=", 1) if "=" in a else (a[2:], "") for a in argv
                   if a.startswith("--"))
    # "--screen 1920x1080" is also accepted (the value as the next argument)
    for name in ("screen", "scale", "themes"):
        if name in options and not options[name] and f"--{name}" in argv:
            value = argv[argv.index(f"--{name}") + 1]
            options[name] = value
            args.remove(value)
    width, height = (int(v) for v in options.get("screen", "1280x800").split("x"))
    scale = int(options.get("scale", "1") or 1)
    out = Path(args[0]) if args else Path("/tmp/layout-shots")
    out.mkdir(parents=True, exist_ok=True)
    root_shot = "root-shot" in options
    if os.environ.get("ET_LAYOUT_CHILD") != "1" and not root_shot:
        with tempfile.TemporaryDirectory() as folder:
            env = child_environment(width, height, scale, Path(folder))
            env["ET_LAYOUT_CHILD"] = "1"
            return subprocess.run([sys.executable, __file__, *argv], env=env,
                                  check=False).returncode
    themes = (options.get("themes") or "light,dark").split(",")
    return render(out, (width, height), scale, [ThemeChoice(t) for t in themes], root_shot)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
