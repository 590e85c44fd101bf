"""CSL-JSON from other tools and from hostile hands: issue 15, items 5, 6 and 13."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

import pytest

from evidence_tracker.formats import csljson
from evidence_tracker.formats.fields import FormatError


def _items(n: int) -> list[dict[str, object]]:
    return [{"id": f"i{k}", "type": "article-journal", "title": f"Ketamine trial {k}",
             "DOI": f"10.1000/k{k}", "issued": {"date-parts": [[2000 + k % 20, 1 + k % 12]]},
             "author": [{"family": "Doe", "given": "Jane"}]} for k in range(n)]


@pytest.mark.parametrize(("text", "message"), [
    ("[" + "[" * 100_000 + "]" * 100_000 + "]", r"item 1 is nested too deeply"),
    ('[{"title": "x", "a": ' + "[" * 40 + "]" * 40 + "}]",
     r"item 1 is nested too deeply to be a CSL-JSON item \(more than 32 levels\)"),
    ('[{"title": "ok"}, {"title": "a\\ud800b"}]',
     r"item 2 holds an unpaired surrogate \(\\ud800\): half of a character"),
    ('[{"title": "x", "volume": ' + "9" * 5000 + "}]", r"item 1: a number of 5000 digits"),
    ('[{"title": "x", "volume": NaN}]', r"item 1: NaN is not a JSON number"),
    ('[{"title": "x"} {"title": "y"}]', r"expecting ',' or '\]' after an item at character 17"),
    ('[{"title": "x"}', r"the array is not closed"),
    ('[{"title": "x", }]', r"not valid JSON \(Expecting property name"),
    ("[1, 2]", r"item 1 is not a CSL-JSON item \(an object\), but int"),
])
def test_hostile_documents_get_one_clear_message(text: str, message: str) -> None:
    # Were RecursionError, UnicodeEncodeError and ValueError tracebacks.
    with pytest.raises(FormatError, match=message):
        list(csljson.read_csljson(text))


def test_a_bad_item_refuses_the_file_before_any_study() -> None:
    text = json.dumps(_items(5))[:-1] + ', {"title": "a\\udc00"}]'
    studies = csljson.read_csljson(text)
    with pytest.raises(FormatError, match="item 6"):
        next(studies)  # nothing handed to the importer: nothing stored


def test_an_item_without_a_title_does_not_stop_the_others() -> None:
    # Six items, the fourth with no title, DOI or PMID: all six reach the importer, which
    # skips and reports the empty one (was: "item 4 is not a CSL-JSON item", 3 of 6 kept).
    items = _items(6)
    items[3] = {"id": "note", "type": "article", "note": "a reference manager's note"}
    del items[1]["title"]
    studies = list(csljson.read_csljson(json.dumps(items)))
    assert len(studies) == 6
    assert (studies[3].title, studies[3].doi, studies[3].pmid) == ("", "", "")
    assert studies[1].title == "" and studies[1].doi == "10.1000/k1"
    assert [s.title for s in studies if s.title] == [f"Ketamine trial {k}" for k in (0, 2, 4, 5)]


@pytest.mark.parametrize(("title", "plain", "html"), [
    ("<i>In vivo</i> effects of <b>ketamine</b>", "In vivo effects of ketamine",
     "<i>In vivo</i> effects of <b>ketamine</b>"),
    ("CO<sub>2</sub> and Ca<sup>2+</sup>", "CO2 and Ca2+", "CO<sub>2</sub> and Ca<sup>2+</sup>"),
    ('<span class="nocase">mRNA</span> in <span style="font-variant:small-caps;">CRPS</span>',
     "mRNA in CRPS", "mRNA in CRPS"),
    ("p<0.05 & a <script>x</script>", "p<0.05 & a <script>x</script>",
     "p&lt;0.05 &amp; a &lt;script&gt;x&lt;/script&gt;"),
])
def test_csl_rich_text_titles_become_plain_text(title: str, plain: str, html: str) -> None:
    (study,) = csljson.read_csljson(json.dumps([{"title": title}]))
    assert (study.title, study.title_html) == (plain, html)


@pytest.mark.parametrize("issued", [
    '{"date-parts": [[1e999]]}', '{"date-parts": [[true, 2]]}', '{"date-parts": [["99999"]]}',
    '{"date-parts": [[2020, 13]]}', '{"date-parts": [[-5]]}', '{"date-parts": [[[2020]]]}',
    '{"date-parts": [[' + "9" * 30 + "]]}",
])
def test_odd_dates_are_no_dates(issued: str) -> None:
    # 1e999 (a float of infinity) was an OverflowError; 30 digits an OverflowError in SQLite.
    (study,) = csljson.read_csljson('[{"title": "x", "issued": ' + issued + "}]")
    assert study.year is None or 0 < study.year <= 9999
    assert study.pub_date in ("", "2020")


def test_an_odd_year_of_our_own_files_is_no_year() -> None:
    (study,) = csljson.read_csljson(json.dumps([{"title": "x", "custom": {
        "evidence-tracker": {"year": 10**20}}}]))
    assert study.year is None


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "utf-32"])
def test_bytes_and_files_in_any_json_encoding(codec: str, tmp_path: Path) -> None:
    data = json.dumps(_items(3), ensure_ascii=False).replace("Doe", "Dø").encode(codec)
    path = tmp_path / "refs.json"
    path.write_bytes(data)
    for source in (data, io.BytesIO(data), path):
        studies = list(csljson.read_csljson(source))
        assert [s.authors[0].last_name for s in studies] == ["Dø"] * 3


def test_items_split_across_chunks_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csljson, "_CHUNK", 7)  # every item, string and number cut somewhere
    items = _items(40)
    items[5]["title"] = "x" * 1000  # one item much longer than a chunk
    studies = list(csljson.read_csljson(json.dumps(items, indent=1)))
    assert [s.doi for s in studies] == [f"10.1000/k{k}" for k in range(40)]
    assert studies[5].title == "x" * 1000


def test_a_large_document_streams_in_bounded_memory(tmp_path: Path) -> None:
    """A 4 MB file read from its path: ~one item in memory at a time (json.loads of the
    whole document held every item, ~10x the file; the 50 MB case runs in tests/fuzz)."""
    path = tmp_path / "large.json"
    item = json.dumps(_items(1)[0] | {"abstract": "Ketamine for chronic pain. " * 40})
    count = 4_000_000 // len(item)
    with path.open("w") as out:
        out.write("[")
        for k in range(count):
            out.write(("," if k else "") + item)
        out.write("]")
    tracemalloc.start()
    try:
        read = sum(1 for _ in csljson.read_csljson(path))
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    assert read == count
    assert peak < 8, f"{peak:.1f} MB"  # a chunk of bytes, two of text and an item
    print(f"\nCSL-JSON 4 MB from its path: peak {peak:.1f} MB traced")
