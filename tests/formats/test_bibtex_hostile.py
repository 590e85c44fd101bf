"""BibTeX from other tools and from hostile hands: issue 15, items 5 and 10."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence_tracker.formats import bibtex, latex
from evidence_tracker.formats.fields import FormatError

ENTRY = "@article{{key,\n  title = {{A trial}},\n  abstract = {{{body}}},\n  year = {{2020}}\n}}\n"
#: Text of an abstract with the LaTeX real exports carry: accents, protected words, math.
PROSE = (r"Ket{\'a}mine infusions for {CRPS} in M{\"u}nchen -- 50\% relief with $p<0.05$ "
         "and some more ordinary words of text. ")


def _field(size: int) -> str:
    return ENTRY.format(body=(PROSE * (size // len(PROSE) + 1))[:size].rstrip("\\"))


def test_a_one_megabyte_field_is_read_in_seconds() -> None:
    # Was quadratic in pylatexenc's walker: 0.4/0.8/1.6 MB took 5/16/55 s, 5 MB never ended.
    start = time.perf_counter()
    (study,) = bibtex.read_bibtex(_field(1_000_000))
    seconds = time.perf_counter() - start
    assert seconds < 8, f"{seconds:.1f} s"
    assert study.abstract.startswith("Ketámine infusions for CRPS in München – 50% relief")
    assert len(study.abstract) > 800_000


def test_field_names_are_case_insensitive() -> None:
    text = ("@ARTICLE{k1,\n  TITLE = {Ketamine for CRPS},\n  Author = {Doe, Jane and Roe, R},\n"
            "  yEAr = {2019},\n  DOI = {10.1000/ABC},\n  Journal = {Pain},\n  PMID = {123}\n}\n")
    (study,) = bibtex.read_bibtex(text)
    assert study.title == "Ketamine for CRPS"
    assert [a.last_name for a in study.authors] == ["Doe", "Roe"]
    assert (study.year, study.doi, study.journal, study.pmid) == (2019, "10.1000/ABC", "Pain",
                                                                  "123")


def test_a_field_written_twice_keeps_its_first_value() -> None:
    (study,) = bibtex.read_bibtex("@article{k, title = {First}, TITLE = {Second}}")
    assert study.title == "First"


@pytest.mark.parametrize(("written", "plain", "html"), [
    (r"DNA$_{\textrm{2}}$ repair", "DNA2 repair", "DNA<sub>2</sub> repair"),
    (r"H$_2$O and Ca$^{2+}$", "H2O and Ca2+", "H<sub>2</sub>O and Ca<sup>2+</sup>"),
    (r"The $\alpha$-2 agonist", "The α-2 agonist", "The α-2 agonist"),
    (r"\emph{In vivo} study of \textbf{ketamine}", "In vivo study of ketamine",
     "<i>In vivo</i> study of <b>ketamine</b>"),
    (r"CO\textsubscript{2} at p < 0.05 \& more", "CO2 at p < 0.05 & more",
     "CO<sub>2</sub> at p &lt; 0.05 &amp; more"),
])
def test_latex_math_in_titles_becomes_text(written: str, plain: str, html: str) -> None:
    (study,) = bibtex.read_bibtex(f"@article{{k, title = {{{written}}}}}")
    assert (study.title, study.title_html) == (plain, html)


def test_keyless_entries_are_all_read() -> None:
    text = ("@article{,\n  title = {One}\n}\n@article{,\n  title = {Two}\n}\n"
            "@article{same, title = {Three}}\n@article{same, title = {Four}}\n")
    assert [s.title for s in bibtex.read_bibtex(text)] == ["One", "Two", "Three", "Four"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_a_bibtex_file_with_a_byte_order_mark_is_read(codec: str) -> None:
    text = "@article{k, title = {Müller's ketamine trial}, year = {2020}}\n"
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    (study,) = bibtex.read_bibtex(data)
    assert study.title == "Müller's ketamine trial"


def test_a_file_in_another_encoding_is_refused_saying_so() -> None:
    with pytest.raises(FormatError, match=r"not valid UTF-8 text \(byte 22\); save it as"):
        list(bibtex.read_bibtex("@article{k, title = {Müller}}".encode("latin-1")))


def test_an_unreadable_entry_is_refused_saying_why() -> None:
    # Was "a BibTeX entry at line 1 cannot be read: " and nothing more (the reason went to
    # a log warning only).
    text = "@article{a,\n  title = {Open\n}\n@article{b, title = {B}}\n"
    with pytest.raises(FormatError, match=r"at line 1 cannot be read: .*Unexpected block "
                                          r"start: `@article`"):
        list(bibtex.read_bibtex(text))


#: LaTeX fragments, balanced (an unbalanced formula may decode differently when cut).
_ATOMS = ["word", " ", "  ", "\n", "\n\n", "{", "}", "$x_2$", r"\alpha", r"\emph{it}", "--",
          "''", "``", "~", "&", r"\&", "%c\n", r"\'e", r"{\"u}", "x^{2}", "_", r"\textbf{b c}",
          "Ketamine", "-", ",", "[1]", r"\url{http://a_b}", "$$a^b$$", r"\(y^3\)", r"{\bf x y}",
          r"\frac{a}{b c}"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_ATOMS), min_size=1, max_size=60))
def test_cutting_into_words_decodes_as_the_whole(atoms: list[str]) -> None:
    value = "".join(atoms)
    whole = latex._decode_piece("".join(p for p, _ in latex.pieces(value, hard=10**9)))
    assert latex.Decoder().text(value).split() == latex._MARK.sub("", whole).split()
