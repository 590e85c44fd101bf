"""The built wheel works outside the checkout: what pipx and every packager install.

The wheel is built from a copy of the source tree, installed into a fresh virtualenv in a
temporary folder (its dependencies come from this checkout's virtualenv through a .pth
line, so PySide6 is not downloaded again), and run from a temporary working directory:
``init``, a ``fetch`` from the local fake E-utilities server, and the report as HTML and
PDF. Then the installed package data is removed, as a broken install would be: ``init``
must say so and leave no file behind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fake_eutils import FakeEutils, make_pubmed_article

CHECKOUT = Path(__file__).resolve().parents[2]
#: What the wheel is built from: the package, its data folders and the build files.
SOURCES = ("evidence_tracker", "db", "resources", "pyproject.toml", "setup.py", "README.md")


@dataclass(frozen=True)
class Installed:
    venv: Path
    work: Path  # the working directory: no checkout anywhere near it
    env: dict[str, str]

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(self.venv / "bin" / "evidence-tracker"), *args],
                              cwd=self.work, env=self.env, capture_output=True, text=True,
                              timeout=120)
        if check:
            assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        return done


def _build_wheel(dest: Path) -> Path:
    source = dest / "source"
    source.mkdir()
    for name in SOURCES:
        path = CHECKOUT / name
        if path.is_dir():
            shutil.copytree(path, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(dest / "dist"), str(source)],
                   check=True, capture_output=True, text=True, timeout=300)
    (wheel,) = (dest / "dist").glob("evidence_tracker-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("wheel")
    wheel = _build_wheel(root)
    target = root / "venv"
    venv.create(target, with_pip=False, symlinks=True)
    site = Path(subprocess.run(
        [str(target / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path("
         "'purelib'))"], check=True, capture_output=True, text=True).stdout.strip())
    # The dependencies: this checkout's site-packages, added after the venv's own (a plain
    # path in a .pth file: the editable install's finder there is not loaded).
    (site / "checkout_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(target / "bin" / "python"),
                    "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, text=True, timeout=300)
    work = root / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    yield Installed(target, work, env)


def test_the_installed_package_runs_from_the_venv_not_the_checkout(installed: Installed
                                                                    ) -> None:
    code = ("import evidence_tracker, evidence_tracker.config as c; "
            "print(evidence_tracker.__file__); print(c.migrations_dir()); "
            "print(c.resources_dir())")
    done = subprocess.run([str(installed.python), "-c", code], cwd=installed.work,
                          env=installed.env, capture_output=True, text=True, check=True)
    paths = [Path(line) for line in done.stdout.splitlines()]
    assert len(paths) == 3
    for path in paths:
        assert path.is_relative_to(installed.venv), path
        assert not path.is_relative_to(CHECKOUT), path
    assert sorted(p.name for p in paths[1].glob("*.sql"))[0] == "0001_initial.sql"
    assert (paths[2] / "fonts" / "DejaVuSans.ttf").is_file()
    assert (paths[2] / "desktop" / "evidence-tracker.desktop").is_file()


def test_every_data_file_of_the_checkout_is_in_the_wheel(installed: Installed) -> None:
    """A file added under db/ or resources/ without a package-data line would be missing
    from every installation (the team schema and the user guide were, once)."""
    code = ("import evidence_tracker.config as c; print(c.migrations_dir()); "
            "print(c.resources_dir())")
    done = subprocess.run([str(installed.python), "-c", code], cwd=installed.work,
                          env=installed.env, capture_output=True, text=True, check=True)
    for folder, installed_folder in zip(("db", "resources"), done.stdout.split(), strict=True):
        wanted = {p.relative_to(CHECKOUT / folder) for p in (CHECKOUT / folder).rglob("*")
                  if p.is_file() and p.suffix not in (".py", ".pyc")
                  and "screenshots" not in p.parts and "__pycache__" not in p.parts}
        shipped = {p.relative_to(installed_folder) for p in Path(installed_folder).rglob("*")
                   if p.is_file()}
        assert sorted(map(str, wanted - shipped)) == [], folder


def test_init_fetch_and_report_from_the_wheel(installed: Installed) -> None:
    db = str(installed.work / "audit.sqlite3")
    done = installed.run("--db", db, "init")
    assert "Project ready" in done.stdout and "conditions)" in done.stdout
    with FakeEutils.running() as fake:
        fake.add_records((30000000 + n, "2021/03/01", make_pubmed_article(
            30000000 + n, f"Ketamine infusion in complex regional pain syndrome {n}"))
            for n in range(1, 13))
        env = {**installed.env, "EVIDENCE_TRACKER_EUTILS_URL": fake.base_url}
        done = subprocess.run(
            [str(installed.venv / "bin" / "evidence-tracker"), "--db", db, "fetch", "crps",
             "--json"], cwd=installed.work, env=env, capture_output=True, text=True,
            timeout=120)
        fake.check()
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["fetched"], summary["status"]) == (12, "done"), summary
    info = json.loads(installed.run("--db", db, "info", "--json").stdout)
    assert info["counts"]["studies"] == 12
    html, pdf = installed.work / "report.html", installed.work / "report.pdf"
    installed.run("--db", db, "report", "--out", str(html))
    installed.run("--db", db, "report", "--out", str(pdf))
    text = html.read_text(encoding="utf-8")
    assert "<html" in text and "PRISMA" in text  # the template and styles were found
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and b"DejaVuSans" in data  # the bundled font embedded


def test_a_broken_install_says_so_and_leaves_no_file(installed: Installed) -> None:
    """No migrations (package data left out, as in the bug report), then a damaged one
    (the file is created before the migration fails): each is a message, and no file."""
    code = "import evidence_tracker.config as c; print(c.migrations_dir())"
    folder = Path(subprocess.run([str(installed.python), "-c", code], cwd=installed.work,
                                 env=installed.env, capture_output=True, text=True,
                                 check=True).stdout.strip())
    assert folder.is_relative_to(installed.venv)
    saved = installed.work.parent / "saved-migrations"
    shutil.copytree(folder, saved)
    last = sorted(folder.glob("*.sql"))[-1]
    try:
        for sql in folder.glob("*.sql"):
            sql.unlink()
        db = installed.work / "broken.sqlite3"
        done = installed.run("--db", str(db), "init", check=False)
        assert done.returncode == 1
        assert "incomplete" in done.stderr and "Reinstall" in done.stderr
        assert not list(installed.work.glob("broken.sqlite3*"))

        for sql in saved.glob("*.sql"):
            shutil.copy2(sql, folder / sql.name)
        text = last.read_text(encoding="utf-8")
        last.write_text(text[: text.rindex(";")], encoding="utf-8")  # cut mid-statement
        done = installed.run("--db", str(db), "init", check=False)
        assert done.returncode == 1
        assert f"{last.name} ends with an incomplete statement" in done.stderr
        assert not list(installed.work.glob("broken.sqlite3*"))
    finally:
        for sql in saved.glob("*.sql"):
            shutil.copy2(sql, folder / sql.name)
