"""CLI: importing PubMed XML and MEDLINE files; listing and editing conditions."""

from __future__ import annotations

import json
from pathlib import Path

from evidence_tracker.__main__ import main

DATA = Path(__file__).resolve().parents[1] / "data" / "ncbi"


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_import_real_xml_and_medline_then_merge_duplicates(tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "p.sqlite3")
    assert main(["--db", db, "import", str(DATA / "pubmed1.xml"),
                 str(DATA / "pubmed_result2.txt"), "--json"]) == 0
    first, second = _lines(capsys.readouterr().out)
    assert (first["format"], first["records"], first["new"]) == ("pubmed-xml", 2, 2)
    assert (second["format"], second["records"], second["new"]) == ("medline", 4, 4)
    # The same file again merges by PMID: nothing new, nothing changed.
    assert main(["--db", db, "import", str(DATA / "pubmed_result2.txt"), "--json"]) == 0
    (again,) = _lines(capsys.readouterr().out)
    assert (again["new"], again["updated"], again["unchanged"]) == (0, 0, 4)
    assert main(["--db", db, "search", "SCOP ASTRAL", "--json"]) == 0
    (found,) = _lines(capsys.readouterr().out)
    assert found["pmid"] == "16403221" and found["source"] == "import:pubmed_result2.txt"
    assert found["authors"][0] == "Casbon JA"


def test_truncated_xml_keeps_what_came_before_and_says_where(tmp_path: Path, capsys) -> None:
    articles = b"".join(
        f'<PubmedArticle><MedlineCitation Status="MEDLINE"><PMID>{p}</PMID><Article>'
        f"<ArticleTitle>Ketamine study {p}</ArticleTitle></Article></MedlineCitation>"
        f"</PubmedArticle>".encode()
        for p in range(1, 1201)
    )
    broken = tmp_path / "broken.xml"
    data = b'<?xml version="1.0"?><PubmedArticleSet>' + articles + b"</PubmedArticleSet>"
    broken.write_bytes(data[: len(data) - 300])
    whole = data[: len(data) - 300].count(b"</PubmedArticle>")  # records before the cut
    db = str(tmp_path / "p.sqlite3")
    assert main(["--db", db, "import", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "broken.xml" in err and "line" in err
    assert f"{whole} record(s) before the problem were imported" in err
    assert main(["--db", db, "info", "--json"]) == 0
    kept = json.loads(capsys.readouterr().out)["counts"]["studies"]
    assert kept == whole > 1000  # every whole record, the last short batch too


def test_import_refuses_unknown_formats_and_missing_files(tmp_path: Path, capsys) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("Just some notes about ketamine.\n")
    db = str(tmp_path / "p.sqlite3")
    assert main(["--db", db, "import", str(other), str(tmp_path / "absent.xml")]) == 1
    err = capsys.readouterr().err
    assert "notes.txt is neither PubMed XML nor MEDLINE/NBIB" in err
    assert "Cannot read" in err and "absent.xml" in err


def test_malformed_medline_is_a_clear_error(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.nbib"
    bad.write_text("PMID- 123\nTI  - Fine title\n\nPMID- 456\n      orphan continuation\n")
    assert main(["--db", str(tmp_path / "p.sqlite3"), "import", str(bad)]) == 1
    assert "bad.nbib" in capsys.readouterr().err


def test_conditions_list_add_and_set_query(tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "p.sqlite3")
    assert main(["--db", db, "conditions", "--json"]) == 0
    slugs = [c["slug"] for c in _lines(capsys.readouterr().out)]
    for required in ("crps", "fibromyalgia", "neuropathic-pain", "diabetic-neuropathy",
                     "postherpetic-neuralgia", "phantom-limb-pain", "spinal-cord-injury-pain",
                     "chronic-postsurgical-pain", "cancer-pain", "chronic-low-back-pain",
                     "headache-migraine", "rheumatoid-arthritis", "osteoarthritis",
                     "chronic-pain", "depression-chronic-pain", "ptsd-chronic-pain"):
        assert required in slugs
    assert main(["--db", db, "conditions", "add", "Trigeminal neuralgia",
                 'ketamine[tiab] AND "Trigeminal Neuralgia"[mh]',
                 "--parent", "neuropathic-pain"]) == 0
    assert "trigeminal-neuralgia" in capsys.readouterr().out
    assert main(["--db", db, "conditions", "set-query", "crps", "ketamine AND crps[tiab]"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "conditions", "--json"]) == 0
    by_slug = {c["slug"]: c for c in _lines(capsys.readouterr().out)}
    assert by_slug["trigeminal-neuralgia"]["parent_slug"] == "neuropathic-pain"
    assert by_slug["crps"]["query"] == "ketamine AND crps[tiab]"
    assert main(["--db", db, "conditions", "add", "Gout", "ketamine AND ()"]) == 1
    assert "empty group" in capsys.readouterr().err
    assert main(["--db", db, "conditions", "add", "CRPS again", "x", "--slug", "crps"]) == 1
    assert "already exists" in capsys.readouterr().err
