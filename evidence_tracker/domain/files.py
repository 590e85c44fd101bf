"""Writing a file safely: into a temporary file beside the target, flushed to disk, then
moved into place in one step, so a failed or interrupted write never leaves half a file
under the requested name (the old file, if any, stays as it was) and never leaves the
temporary file behind.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> with atomic_write(folder / "notes.txt") as out:
...     _ = out.write("kept")
>>> (folder / "notes.txt").read_text(), sorted(p.name for p in folder.iterdir())
('kept', ['notes.txt'])
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, overload

__all__ = ["atomic_write"]


@overload
def atomic_write(path: str | os.PathLike[str], *, binary: Literal[False] = False,
                 encoding: str = "utf-8", newline: str | None = None
                 ) -> contextlib.AbstractContextManager[IO[str]]: ...
@overload
def atomic_write(path: str | os.PathLike[str], *, binary: Literal[True],
                 encoding: str = "utf-8", newline: str | None = None
                 ) -> contextlib.AbstractContextManager[IO[bytes]]: ...
def atomic_write(path: str | os.PathLike[str], *, binary: bool = False,
                 encoding: str = "utf-8", newline: str | None = None
                 ) -> contextlib.AbstractContextManager[IO[Any]]:
    """A file object to write ``path`` through; the file appears under its name only when
    the ``with`` block ends without an exception.

    The new file gets the permissions any new file would (``mkstemp`` would make it
    readable by its owner only). A link at ``path`` is replaced, not written through.
    """
    return _atomic_write(Path(path), binary=binary, encoding=encoding, newline=newline)


@contextlib.contextmanager
def _atomic_write(target: Path, *, binary: bool, encoding: str, newline: str | None
                  ) -> Iterator[IO[Any]]:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        try:
            out: IO[Any] = (os.fdopen(fd, "wb") if binary
                            else os.fdopen(fd, "w", encoding=encoding, newline=newline))
        except BaseException:
            with contextlib.suppress(OSError):  # open() may have closed it already
                os.close(fd)
            raise
        with out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    """The process umask (reading it means setting it: set it straight back)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask
