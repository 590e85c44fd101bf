"""Writing output files safely: to a temporary file beside the target, then moved into place,
so a failed export never leaves half a file under the requested name."""

from __future__ import annotations

import os
from pathlib import Path


def publish(tmp: str | Path, target: str | Path) -> None:
    """Move a finished temporary file into place, with the permissions a new file gets
    (``mkstemp`` makes it readable by its owner only)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, target)
