"""Install the desktop entry and icon, so Evidence Tracker appears in the application menu
(freedesktop.org: ``$XDG_DATA_HOME/applications`` and the hicolor icon theme, by default
under ``~/.local/share``).

The bundled entry (resources/desktop) is copied with its ``Exec`` line pointing at the
``evidence-tracker`` that runs this code, so the menu starts the same installation (a
pipx or virtualenv ``bin`` folder is rarely on the desktop session's PATH).
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from evidence_tracker import APP_ID
from evidence_tracker.config import resources_dir
from evidence_tracker.domain.files import atomic_write

DESKTOP_FILE = f"{APP_ID}.desktop"
ICON_FILE = f"{APP_ID}.svg"


@dataclass(frozen=True)
class DesktopInstall:
    desktop_file: Path
    icon_file: Path
    exec_line: str


def data_home() -> Path:
    """``$XDG_DATA_HOME``, else ``~/.local/share`` (platformdirs)."""
    return Path(platformdirs.user_data_dir(appauthor=False))


def launch_command() -> str:
    """The ``Exec`` value that starts this installation: its ``evidence-tracker`` script
    (beside the running Python, as pip, pipx and venvs install it), else ``python -m``."""
    script = Path(sys.executable).parent / APP_ID
    if not script.is_file():
        found = shutil.which(APP_ID)
        script = Path(found) if found else script
    argv = [str(script)] if script.is_file() else [sys.executable, "-m", "evidence_tracker"]
    return " ".join(_quote_exec(a) for a in argv)


def _quote_exec(arg: str) -> str:
    """Quote one argument of a desktop entry's ``Exec`` key (Desktop Entry spec 1.5).

    >>> _quote_exec("/usr/bin/evidence-tracker")
    '/usr/bin/evidence-tracker'
    >>> _quote_exec('/home/a b/"x"/bin/evidence-tracker')
    '"/home/a b/\\\\"x\\\\"/bin/evidence-tracker"'
    """
    reserved = set(' \t\n"\'\\><~|&;$*?#()`')
    if not any(c in reserved for c in arg):
        return arg.replace("%", "%%")
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg).replace("%", "%%")
    return f'"{escaped}"'


def desktop_entry_text(exec_line: str) -> str:
    """The bundled entry with ``Exec`` (and ``TryExec`` when it is a path) set."""
    lines = []
    for line in (resources_dir() / "desktop" / DESKTOP_FILE).read_text(
            encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = f"Exec={exec_line}"
        lines.append(line)
    return "\n".join(lines) + "\n"


class NotAFreedesktopSystem(OSError):
    """Desktop entries are for Linux and BSD desktops (freedesktop.org)."""


def install_desktop_entry(target: Path | None = None, *, platform: str = sys.platform
                          ) -> DesktopInstall:
    """Write the desktop entry and the icon under ``target`` (the XDG data home)."""
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        raise NotAFreedesktopSystem(
            "desktop entries are for Linux and BSD desktops; on macOS and Windows start "
            "evidence-tracker from a terminal")
    home = target or data_home()
    apps = home / "applications"
    icons = home / "icons" / "hicolor" / "scalable" / "apps"
    exec_line = launch_command()
    for folder in (apps, icons):
        folder.mkdir(parents=True, exist_ok=True)
    desktop_file, icon_file = apps / DESKTOP_FILE, icons / ICON_FILE
    with atomic_write(desktop_file) as out:
        out.write(desktop_entry_text(exec_line))
    with atomic_write(icon_file, binary=True) as binary:
        binary.write((resources_dir() / "desktop" / ICON_FILE).read_bytes())
    os.utime(home / "icons" / "hicolor", None)  # icon caches look at the theme's mtime
    return DesktopInstall(desktop_file, icon_file, exec_line)
