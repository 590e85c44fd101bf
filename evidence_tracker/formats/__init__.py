"""Bibliographic file formats (RIS, BibTeX, CSL-JSON, NBIB, CSV) and citation styles."""
