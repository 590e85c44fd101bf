"""An XLSX written to a full device fails once, with its OSError, and leaves nothing for
the garbage collector to fail on later ("Exception ignored in ZipFile.__del__")."""

from __future__ import annotations

import errno
import gc
import os
from pathlib import Path

import pytest
from conftest import make_study

from evidence_tracker.formats.csv_xlsx import study_row, write_xlsx

FULL = Path("/dev/full")  # every write: ENOSPC, as on a full disk


@pytest.mark.skipif(not FULL.exists() or not os.access(FULL, os.W_OK), reason="no /dev/full")
def test_xlsx_on_a_full_device_raises_once(recwarn: pytest.WarningsRecorder) -> None:
    rows = [study_row(make_study(abstract="x" * 20_000, abstract_sections=[]), study_id=i)
            for i in range(50)]
    with pytest.raises(OSError) as caught, FULL.open("wb") as out:
        write_xlsx(rows, out)
    assert caught.value.errno == errno.ENOSPC
    gc.collect()  # an unclosed ZipFile would now write to the closed file, and complain
    assert not [w for w in recwarn if "Unraisable" in type(w.message).__name__]
