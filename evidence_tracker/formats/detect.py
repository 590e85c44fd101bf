"""Which reference format a file is in, from its first bytes (PubMed XML and MEDLINE are
recognised by :func:`evidence_tracker.pubmed.medline.detect_format`).

>>> sniff_format(b"TY  - JOUR\\nTI  - A title\\nER  - \\n")
'ris'
>>> sniff_format(b"% exported\\n@article{key, title={A}}")
'bibtex'
>>> sniff_format(b'[{"id": "1", "type": "article-journal"}]')
'csl-json'
>>> sniff_format(b"TY - JOUR\\nER - \\n")
'ris'
>>> sniff_format(b"Just notes.") is None
True
"""

from __future__ import annotations

import codecs
import re
from typing import Literal

Format = Literal["ris", "bibtex", "csl-json"]

#: A RIS record's first line: ``TY  - `` (one to three spaces before the hyphen, as the
#: RIS reader accepts: some exporters write ``TY - JOUR``).
_RIS = re.compile(r"^(?:\d+\.\s*\n)?TY {1,3}- ", re.M)
_BIBTEX = re.compile(r"^(?:\s*%[^\n]*\n)*\s*@[A-Za-z]+\s*[{(]")


#: Byte-order marks and their codecs (UTF-32 first: its LE mark starts like UTF-16's).
BYTE_ORDER_MARKS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def sniff_format(head: bytes) -> Format | None:
    """'ris', 'bibtex', 'csl-json' or None, from the first few KB of a file."""
    # Windows tools save BibTeX and JSON as UTF-16 (or -32) with a byte-order mark.
    codec = next((name for bom, name in BYTE_ORDER_MARKS if head.startswith(bom)), "utf-8")
    text = head.decode(codec, errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith(("[", "{")):
        return "csl-json"
    if _BIBTEX.match(text):
        return "bibtex"
    first_lines = "\n".join(text.replace("\r\n", "\n").split("\n")[:5])
    if _RIS.search(first_lines):
        return "ris"
    return None
