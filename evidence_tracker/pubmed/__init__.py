"""PubMed: the E-utilities client and the PubMed XML / MEDLINE record parsers.

``parser.iter_pubmed_xml`` streams Study objects out of EFetch XML (or baseline/update
files); ``medline.iter_medline`` reads MEDLINE/NBIB text. Neither imports Qt.
"""
