"""``evidence-tracker install-desktop`` writes a valid desktop entry and the icon to the XDG
data folders (a temporary HOME here), pointing at this installation."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from evidence_tracker.__main__ import main
from evidence_tracker.services.desktop import (
    NotAFreedesktopSystem,
    _quote_exec,
    install_desktop_entry,
    launch_command,
)


def _entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def test_install_desktop_writes_entry_and_icon_under_xdg_data_home(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_home = tmp_path / "home" / ".local" / "share"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    db = tmp_path / "never.sqlite3"
    assert main(["--db", str(db), "install-desktop"]) == 0
    desktop = data_home / "applications" / "evidence-tracker.desktop"
    icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / "evidence-tracker.svg"
    out = capsys.readouterr().out
    assert str(desktop) in out and str(icon) in out
    assert not db.exists()  # no project opened or created for it
    entry = _entry(desktop)
    assert entry["Type"] == "Application" and entry["Name"] == "Evidence Tracker"
    assert entry["Icon"] == "evidence-tracker"
    assert entry["Exec"] == launch_command()
    assert ET.parse(icon).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    if shutil.which("desktop-file-validate"):
        done = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True,
                              text=True)
        assert done.returncode == 0 and not done.stdout.strip(), done.stdout
    # Again: the same files, replaced (not duplicated or appended to).
    assert main(["--db", str(db), "install-desktop"]) == 0
    assert sorted(p.name for p in desktop.parent.iterdir()) == ["evidence-tracker.desktop"]


def test_the_entry_starts_this_installation() -> None:
    command = launch_command()
    script = Path(sys.executable).parent / "evidence-tracker"
    if script.is_file():
        assert command == str(script)
    else:
        assert command.endswith(" -m evidence_tracker")


def test_exec_arguments_are_quoted_as_the_desktop_entry_spec_says() -> None:
    assert _quote_exec("/opt/et/bin/evidence-tracker") == "/opt/et/bin/evidence-tracker"
    assert _quote_exec("/home/a b/bin/evidence-tracker") == '"/home/a b/bin/evidence-tracker"'
    assert _quote_exec('/x/"q"$/et') == '"/x/\\"q\\"\\$/et"'
    assert _quote_exec("/x/100%/et") == "/x/100%%/et"


def test_an_unwritable_data_home_is_a_message(tmp_path: Path, capsys) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    assert main(["install-desktop", "--data-home", str(blocked)]) == 1
    err = capsys.readouterr().err
    assert "cannot install the desktop entry" in err and "Traceback" not in err


def test_macos_and_windows_are_told_it_is_not_for_them(tmp_path: Path) -> None:
    for platform in ("darwin", "win32"):
        with pytest.raises(NotAFreedesktopSystem, match="Linux and BSD desktops"):
            install_desktop_entry(tmp_path, platform=platform)
    assert not list(tmp_path.iterdir())
