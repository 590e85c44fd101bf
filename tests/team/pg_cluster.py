"""A throw-away PostgreSQL cluster for the team-sync tests, started by the test run itself.

Debian's ``postgresql`` package provides the binaries (installed here when missing and
running as root); ``initdb`` refuses root, so as root the cluster belongs to the
``postgres`` system user (``runuser``). The cluster listens on a Unix socket in its own
folder and on a free TCP port of 127.0.0.1; the superuser ``postgres`` is trusted there
(the tests' admin), every other role logs in with its password (scram-sha-256), as a
reviewer's psql would.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote


class PostgresUnavailable(RuntimeError):
    """PostgreSQL could not be found, installed or started (the message says why)."""


def find_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/N/bin holding initdb and pg_ctl, or None."""
    found = []
    for path in glob.glob("/usr/lib/postgresql/*/bin"):
        folder = Path(path)
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            with contextlib.suppress(ValueError):
                found.append((int(folder.parent.name), folder))
    return max(found)[1] if found else None


def install_postgresql() -> None:
    """Debian's package, as root (apt-get update once, then install)."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends",
                                         "postgresql"]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if done.returncode:
            raise PostgresUnavailable(f"{' '.join(cmd)} failed: {done.stderr[-2000:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A running cluster: where it is and how the admin reaches it."""

    bin_dir: Path
    data_dir: Path
    socket_dir: Path
    port: int
    runas: list[str]

    def url(self, dbname: str = "postgres", user: str = "postgres",
            password: str | None = None) -> str:
        auth = f"{user}:{quote(password, safe='')}@" if password else f"{user}@"
        return f"postgresql://{auth}127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        """A fresh, empty database; returns its name."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.runas, str(self.bin_dir / "pg_ctl"), "-D",
                               str(self.data_dir), *args],
                              capture_output=True, text=True, check=False)

    def psql(self, url: str, sql: str) -> subprocess.CompletedProcess[str]:
        """Run ``sql`` with the real psql client (ON_ERROR_STOP), as a user would."""
        return subprocess.run([str(self.bin_dir / "psql"), "-X", "-v", "ON_ERROR_STOP=1",
                               "-At", url, "-c", sql],
                              capture_output=True, text=True, check=False, timeout=60)


def _runas_postgres() -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


@contextlib.contextmanager
def running_cluster() -> Iterator[Cluster]:
    """Create, start, yield, then stop and remove a cluster. Raises PostgresUnavailable."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        if os.geteuid() != 0:
            raise PostgresUnavailable("no PostgreSQL binaries in /usr/lib/postgresql/*/bin "
                                      "and not root to install Debian's postgresql package")
        install_postgresql()
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise PostgresUnavailable("postgresql was installed but no initdb was found")
    runas = _runas_postgres()
    # As root the cluster belongs to `postgres`, who must reach it: /tmp, not root's $TMPDIR.
    root = Path(tempfile.mkdtemp(prefix="et-pg-", dir="/tmp" if runas else None))
    data_dir, socket_dir = root / "data", root / "run"
    socket_dir.mkdir()
    if runas:
        shutil.chown(root, "postgres")
        shutil.chown(socket_dir, "postgres")
    try:
        done = subprocess.run([*runas, str(bin_dir / "initdb"), "-D", str(data_dir), "-U",
                               "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions",
                               "--locale=C.UTF-8"],
                              capture_output=True, text=True, check=False)
        if done.returncode:
            raise PostgresUnavailable(f"initdb failed: {done.stderr[-2000:]}")
        (data_dir / "pg_hba.conf").write_text(
            "local all all trust\n"
            "host all postgres 127.0.0.1/32 trust\n"
            "host all all 127.0.0.1/32 scram-sha-256\n")
        port = free_port()
        cluster = Cluster(bin_dir, data_dir, socket_dir, port, runas)
        options = (f"-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   f"-c listen_addresses=127.0.0.1 -p {port} -k {socket_dir} "
                   "-c max_connections=200")
        started = cluster.pg_ctl("-w", "-t", "60", "-o", options, "-l",
                                 str(root / "server.log"), "start")
        if started.returncode:
            log = (root / "server.log").read_text(errors="replace")[-2000:] \
                if (root / "server.log").exists() else ""
            raise PostgresUnavailable(f"pg_ctl start failed: {started.stderr}{log}")
        try:
            _wait_ready(cluster)
            yield cluster
        finally:
            cluster.pg_ctl("-w", "-m", "immediate", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(cluster: Cluster, timeout: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(cluster.url(), connect_timeout=2).close()
            return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(f"the cluster did not accept connections: {exc}") \
                    from exc
            time.sleep(0.2)
