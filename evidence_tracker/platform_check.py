"""Before the window opens on Linux: are the system libraries Qt's X11 (xcb) platform
plugin loads installed?

PySide6's wheels bundle Qt but not the X11 libraries its ``libqxcb.so`` plugin links to.
Without one of them Qt prints a hint about one library, lists its plugins and aborts; on a
fresh Debian/Ubuntu desktop ``libxcb-cursor0``, ``libxcb-icccm4`` and ``libxcb-keysyms1``
are usually missing. This module (no Qt import) names every missing one and the packages
to install on Debian/Ubuntu and Fedora, so ``evidence-tracker`` can stop with that message
instead.

>>> gui_library_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
True
>>> print(gui_library_problem({}, "linux", is_loadable=lambda soname: "cursor" not in soname))
... # doctest: +NORMALIZE_WHITESPACE
Evidence Tracker cannot open its window: Qt's X11 (xcb) platform needs system libraries
that are not installed: libxcb-cursor.so.0.
Install them, then start Evidence Tracker again:
  Debian/Ubuntu: sudo apt install libxcb-cursor0
  Fedora:        sudo dnf install xcb-util-cursor
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping
from typing import NamedTuple


class SystemLibrary(NamedTuple):
    soname: str
    debian: str  # Debian and Ubuntu package
    fedora: str


#: The libraries PySide6's ``libqxcb.so``, ``libQt6XcbQpa.so.6`` and ``libQt6Gui.so.6`` load
#: (``ldd`` on them; tests/packaging checks this list against the installed plugin), except
#: libc, libstdc++, libm, libgcc_s, zlib and what the packages below bring with them.
XCB_LIBRARIES: tuple[SystemLibrary, ...] = (
    SystemLibrary("libxcb.so.1", "libxcb1", "libxcb"),
    SystemLibrary("libxcb-cursor.so.0", "libxcb-cursor0", "xcb-util-cursor"),
    SystemLibrary("libxcb-icccm.so.4", "libxcb-icccm4", "xcb-util-wm"),
    SystemLibrary("libxcb-keysyms.so.1", "libxcb-keysyms1", "xcb-util-keysyms"),
    SystemLibrary("libxcb-image.so.0", "libxcb-image0", "xcb-util-image"),
    SystemLibrary("libxcb-util.so.1", "libxcb-util1", "xcb-util"),
    SystemLibrary("libxcb-render-util.so.0", "libxcb-render-util0", "xcb-util-renderutil"),
    SystemLibrary("libxcb-randr.so.0", "libxcb-randr0", "libxcb"),
    SystemLibrary("libxcb-render.so.0", "libxcb-render0", "libxcb"),
    SystemLibrary("libxcb-shape.so.0", "libxcb-shape0", "libxcb"),
    SystemLibrary("libxcb-shm.so.0", "libxcb-shm0", "libxcb"),
    SystemLibrary("libxcb-sync.so.1", "libxcb-sync1", "libxcb"),
    SystemLibrary("libxcb-xfixes.so.0", "libxcb-xfixes0", "libxcb"),
    SystemLibrary("libxcb-xkb.so.1", "libxcb-xkb1", "libxcb"),
    SystemLibrary("libX11.so.6", "libx11-6", "libX11"),
    SystemLibrary("libX11-xcb.so.1", "libx11-xcb1", "libX11-xcb"),
    SystemLibrary("libxkbcommon.so.0", "libxkbcommon0", "libxkbcommon"),
    SystemLibrary("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", "libxkbcommon-x11"),
    SystemLibrary("libGL.so.1", "libgl1", "libglvnd-glx"),
    SystemLibrary("libGLX.so.0", "libglx0", "libglvnd-glx"),
    SystemLibrary("libGLdispatch.so.0", "libglvnd0", "libglvnd"),
    SystemLibrary("libEGL.so.1", "libegl1", "libglvnd-egl"),
    SystemLibrary("libfontconfig.so.1", "libfontconfig1", "fontconfig"),
    SystemLibrary("libfreetype.so.6", "libfreetype6", "freetype"),
    SystemLibrary("libglib-2.0.so.0", "libglib2.0-0", "glib2"),
    SystemLibrary("libgthread-2.0.so.0", "libglib2.0-0", "glib2"),
    SystemLibrary("libdbus-1.so.3", "libdbus-1-3", "dbus-libs"),
)

#: QT_QPA_PLATFORM values that draw no window on a display: nothing to check.
_HEADLESS = frozenset({"offscreen", "minimal", "vnc", "linuxfb", "eglfs", "vkkhrdisplay"})


def can_load(soname: str) -> bool:
    """Can the dynamic loader find and load ``soname``, as Qt's plugin loader would?"""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def uses_xcb(env: Mapping[str, str], platform: str) -> bool:
    """Will Qt open the window through X11 (xcb)? Not on macOS or Windows, not headless
    (offscreen, minimal...), and not in a Wayland session unless xcb is asked for."""
    if not platform.startswith("linux"):
        return False
    requested = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if requested:
        return requested == "xcb"
    return env.get("XDG_SESSION_TYPE", "") != "wayland" and not env.get("WAYLAND_DISPLAY")


def missing_libraries(is_loadable: Callable[[str], bool] = can_load) -> list[SystemLibrary]:
    """The X11 libraries Qt's xcb plugin needs that ``is_loadable`` cannot find."""
    return [lib for lib in XCB_LIBRARIES if not is_loadable(lib.soname)]


def install_hint(missing: list[SystemLibrary]) -> str:
    """The message naming ``missing`` and the packages that provide them."""
    debian = " ".join(dict.fromkeys(lib.debian for lib in missing))
    fedora = " ".join(dict.fromkeys(lib.fedora for lib in missing))
    names = ", ".join(lib.soname for lib in missing)
    return ("Evidence Tracker cannot open its window: Qt's X11 (xcb) platform needs system "
            f"libraries\nthat are not installed: {names}.\n"
            "Install them, then start Evidence Tracker again:\n"
            f"  Debian/Ubuntu: sudo apt install {debian}\n"
            f"  Fedora:        sudo dnf install {fedora}")


def gui_library_problem(
    env: Mapping[str, str] | None = None, platform: str | None = None, *,
    is_loadable: Callable[[str], bool] = can_load,
) -> str | None:
    """What to tell the user before Qt aborts for a missing X11 library, or None when the
    window can open (or is not drawn through X11)."""
    env = os.environ if env is None else env
    if not uses_xcb(env, sys.platform if platform is None else platform):
        return None
    missing = missing_libraries(is_loadable)
    return install_hint(missing) if missing else None
