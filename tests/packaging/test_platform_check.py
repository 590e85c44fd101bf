"""Before the window opens on Linux/X11: a missing system library Qt's xcb plugin needs is
named with the packages that provide it, instead of Qt's abort."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evidence_tracker import platform_check
from evidence_tracker.platform_check import gui_library_problem, missing_libraries

REPORTED_MISSING = {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"}


def _without(*sonames: str):
    return lambda soname: soname not in sonames


def test_a_desktop_with_every_library_passes() -> None:
    assert gui_library_problem({"DISPLAY": ":0"}, "linux", is_loadable=lambda _: True) is None


def test_the_libraries_of_the_bug_report_are_named_with_their_packages() -> None:
    problem = gui_library_problem({"DISPLAY": ":0"}, "linux",
                                  is_loadable=_without(*REPORTED_MISSING))
    assert problem is not None
    for soname in REPORTED_MISSING:
        assert soname in problem
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1\n" in problem
    assert problem.endswith("sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms")


def test_packages_are_named_once_each() -> None:
    missing = missing_libraries(_without("libglib-2.0.so.0", "libgthread-2.0.so.0"))
    hint = platform_check.install_hint(missing)
    assert "sudo apt install libglib2.0-0\n" in hint and hint.endswith("sudo dnf install glib2")


@pytest.mark.parametrize(("env", "platform", "checked"), [
    ({}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"QT_QPA_PLATFORM": "minimal"}, "linux", False),
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
    ({"XDG_SESSION_TYPE": "wayland"}, "linux", False),
    ({}, "darwin", False),
    ({}, "win32", False),
])
def test_only_an_x11_window_is_checked(env: dict[str, str], platform: str, checked: bool
                                       ) -> None:
    problem = gui_library_problem(env, platform, is_loadable=lambda _: False)
    assert (problem is not None) == checked


def test_the_real_loader_finds_a_library_every_linux_has_and_not_an_invented_one() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the dynamic loader of Linux")
    assert platform_check.can_load("libc.so.6")
    assert not platform_check.can_load("libevidence-tracker-absent.so.0")


def test_the_list_covers_what_the_installed_xcb_plugin_links_to() -> None:
    """PySide6 upgrades can add libraries: ldd on the plugin must name nothing X11, xcb,
    xkb, GL, font or GLib-related that the list lacks."""
    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.is_file() or shutil.which("ldd") is None:
        pytest.skip("needs PySide6's xcb plugin and ldd (Linux)")
    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=True)
    linked = set(re.findall(r"^\s*(\S+\.so\.\d+)", out.stdout, re.MULTILINE))
    relevant = {name for name in linked if re.match(
        r"lib(xcb|X11|xkbcommon|GL|EGL|fontconfig|freetype|glib|gthread|dbus)", name)}
    known = {lib.soname for lib in platform_check.XCB_LIBRARIES}
    assert relevant - known == set()
    assert known >= REPORTED_MISSING


def test_the_entry_point_stops_before_qt_with_the_message(tmp_path: Path) -> None:
    """``evidence-tracker`` with no command on X11 missing libxcb-cursor: exit 1, the
    message, no traceback, and no Qt abort (a child process: Qt must not start here)."""
    code = ("import sys; from evidence_tracker.__main__ import main; "
            "sys.exit(main([], is_loadable=lambda soname: soname != 'libxcb-cursor.so.0'))")
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "DISPLAY": ":99"}
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "libxcb-cursor.so.0" in done.stderr
    assert "sudo apt install libxcb-cursor0" in done.stderr
    assert "sudo dnf install xcb-util-cursor" in done.stderr
    assert "Traceback" not in done.stderr and "qt.qpa" not in done.stderr
