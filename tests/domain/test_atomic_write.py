"""One way to write a file safely: all or nothing under the target name, no temporary left."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evidence_tracker.domain.files import atomic_write


class Boom(Exception):
    pass


def test_the_file_appears_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with atomic_write(target, newline="") as out:
        out.write("première\r\nligne\n")
        assert not target.exists()  # nothing under the name until the block ends
    assert target.read_bytes() == "première\r\nligne\n".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_binary_and_replacing_an_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with atomic_write(str(target), binary=True) as out:
        out.write(b"\x00new")
    assert target.read_bytes() == b"\x00new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_a_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("the old report", encoding="utf-8")
    with pytest.raises(Boom), atomic_write(target) as out:
        out.write("half a new rep")
        raise Boom
    assert target.read_text(encoding="utf-8") == "the old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_failure_before_any_file_existed_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(UnicodeEncodeError), atomic_write(tmp_path / "x.txt",
                                                         encoding="ascii") as out:
        out.write("naïve")
        out.flush()
    with pytest.raises(LookupError), atomic_write(tmp_path / "y.txt", encoding="no-such"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_an_error_not_a_stray_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), atomic_write(tmp_path / "nope" / "x.txt"):
        pass
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        with atomic_write(tmp_path / "shared.txt") as out:
            out.write("x")
    finally:
        os.umask(old)
    assert (tmp_path / "shared.txt").stat().st_mode & 0o777 == 0o640  # not mkstemp's 0o600


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_a_link_is_replaced_not_written_through(tmp_path: Path) -> None:
    elsewhere = tmp_path / "not-ours.txt"
    elsewhere.write_text("keep me", encoding="utf-8")
    link = tmp_path / "out.txt"
    link.symlink_to(elsewhere)
    with atomic_write(link) as out:
        out.write("new")
    assert elsewhere.read_text(encoding="utf-8") == "keep me"
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == "new"
