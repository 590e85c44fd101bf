"""Allow-listed HTML fragments and plain text from PubMed inline markup."""

from __future__ import annotations

from html import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from evidence_tracker.domain.markup import (
    ALLOWED_TAGS,
    fragment_from_element,
    fragment_from_text,
    normalize_space,
    plain_text,
    sanitize_html,
)

MML = 'xmlns:mml="http://www.w3.org/1998/Math/MathML"'


def frag(inner: str) -> tuple[str, str]:
    return fragment_from_element(etree.fromstring(f"<T {MML}>{inner}</T>"))


@pytest.mark.parametrize(
    ("inner", "html", "plain"),
    [
        ("plain text", "plain text", "plain text"),
        ("<i>in vivo</i> and <b>bold</b>", "<i>in vivo</i> and <b>bold</b>", "in vivo and bold"),
        (
            "<italic>x</italic><bold>y</bold><underline>z</underline>",
            "<i>x</i><b>y</b><u>z</u>",
            "xyz",
        ),
        ("Ca<sup>2+</sup> H<sub>2</sub>O", "Ca<sup>2+</sup> H<sub>2</sub>O", "Ca2+ H2O"),
        ("<i>a <b>b</b> c</i>", "<i>a <b>b</b> c</i>", "a b c"),
        ("a &amp; b &lt; c &gt; d", "a &amp; b &lt; c &gt; d", "a & b < c > d"),
        ('<span class="x">kept</span> <DispFormula>text</DispFormula>', "kept text", "kept text"),
        ("  lots \n\t of   space  ", "lots of space", "lots of space"),
        ("a <i> b </i> c", "a <i>b</i> c", "a b c"),
        ("a<i> </i>b", "a b", "a b"),
        ("<i></i><b>  </b>", "", ""),
        ("x<!-- comment -->y<?pi data?>z", "xyz", "xyz"),
        ("<script>alert(1)</script>ok", "ok", "ok"),
        ("\u00e9\u00e8 \u2264 \u03bc", "\u00e9\u00e8 \u2264 \u03bc", "\u00e9\u00e8 \u2264 \u03bc"),
    ],
)
def test_fragment_from_element(inner: str, html: str, plain: str) -> None:
    assert frag(inner) == (html, plain)


@pytest.mark.parametrize(
    ("math", "html", "plain"),
    [
        ("<mml:mi>x</mml:mi><mml:mo>=</mml:mo><mml:mn>2</mml:mn>", "x=2", "x=2"),
        ("<mml:msub><mml:mi>K</mml:mi><mml:mi>d</mml:mi></mml:msub>", "K<sub>d</sub>", "Kd"),
        ("<mml:msup><mml:mi>m</mml:mi><mml:mn>2</mml:mn></mml:msup>", "m<sup>2</sup>", "m2"),
        (
            "<mml:msubsup><mml:mi>x</mml:mi><mml:mn>1</mml:mn><mml:mn>2</mml:mn></mml:msubsup>",
            "x<sub>1</sub><sup>2</sup>",
            "x12",
        ),
        (
            "<mml:mmultiscripts><mml:mi>C</mml:mi><mml:mprescripts/><mml:none/><mml:mn>13</mml:mn>"
            "</mml:mmultiscripts>",
            "<sup>13</sup>C",
            "13C",
        ),
        ("<mml:mfrac><mml:mn>1</mml:mn><mml:mn>2</mml:mn></mml:mfrac>", "1/2", "1/2"),
        ("<mml:msqrt><mml:mi>n</mml:mi></mml:msqrt>", "\u221a(n)", "\u221a(n)"),
        (
            "<mml:mroot><mml:mi>x</mml:mi><mml:mn>3</mml:mn></mml:mroot>",
            "<sup>3</sup>\u221a(x)",
            "3\u221a(x)",
        ),
        ("<mml:mover><mml:mi>V</mml:mi><mml:mo>.</mml:mo></mml:mover>", "V\u0307", "V\u0307"),
        ("<mml:mover><mml:mi>x</mml:mi><mml:mo>\u00af</mml:mo></mml:mover>", "x\u0304", "x\u0304"),
        ("<mml:mfenced><mml:mi>a</mml:mi><mml:mi>b</mml:mi></mml:mfenced>", "(a,b)", "(a,b)"),
        (
            "<mml:semantics><mml:mi>y</mml:mi><mml:annotation>TeX y</mml:annotation>"
            "</mml:semantics>",
            "y",
            "y",
        ),
        (
            "<mml:mi>p</mml:mi><mml:mtext> value </mml:mtext><mml:mo>&lt;</mml:mo>",
            "p value &lt;",
            "p value <",
        ),
        (
            "\n   <mml:mrow>\n  <mml:mi>a</mml:mi>\n  <mml:mi>b</mml:mi>\n  </mml:mrow>\n ",
            "ab",
            "ab",
        ),
    ],
)
def test_mathml_is_reduced_to_text(math: str, html: str, plain: str) -> None:
    assert frag(f"<mml:math>{math}</mml:math>") == (html, plain)


def test_mathml_inside_a_sentence_keeps_surrounding_spaces() -> None:
    html, plain = frag(
        "uptake ( <mml:math><mml:msub><mml:mi>V</mml:mi><mml:mn>2</mml:mn></mml:msub>"
        "</mml:math> ) and <mml:math><mml:mi>x</mml:mi></mml:math>."
    )
    assert (html, plain) == ("uptake ( V<sub>2</sub> ) and x.", "uptake ( V2 ) and x.")


def test_element_tail_and_tag_are_not_part_of_the_fragment() -> None:
    root = etree.fromstring("<R><T>inside <i>it</i></T> tail</R>")
    assert fragment_from_element(root[0]) == ("inside <i>it</i>", "inside it")


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ('<b onclick="steal()">x</b>', "<b>x</b>"),
        ('<a href="javascript:alert(1)">link</a>', "link"),
        ('<img src=x onerror="alert(1)">after', "after"),
        ("<script>alert('x')</script>text", "text"),
        ("<style>body{}</style>text", "text"),
        ("<em>e</em> <strong>s</strong>", "<i>e</i> <b>s</b>"),
        ("<i>unclosed", "<i>unclosed</i>"),
        ("stray</b> close", "stray close"),
        ("<i><b>x</i> y</b>", "<i><b>x</b></i> y"),
        ("a &amp; b &lt;c&gt; &nbsp; &#169;", "a &amp; b &lt;c&gt; \u00a9"),
        ("<p>one</p><p>two</p>", "one two"),
        ("line<br>break", "line break"),
        ("<!-- hidden -->shown", "shown"),
        ("<SUP>2</SUP>", "<sup>2</sup>"),
        ("<iframe src='x'></iframe><object>o</object>", "o"),
        ("", ""),
    ],
)
def test_sanitize_html(dirty: str, clean: str) -> None:
    assert sanitize_html(dirty) == clean


def test_plain_text() -> None:
    assert plain_text("H<sub>2</sub>O &lt; <i>1</i>&amp;2") == "H2O < 1&2"
    assert plain_text("<script>x</script> a  b ") == "a b"
    assert plain_text("no markup") == "no markup"


def test_fragment_from_text_escapes() -> None:
    assert fragment_from_text(" a <b> & c ") == ("a &lt;b&gt; &amp; c", "a <b> & c")


def test_normalize_space() -> None:
    assert normalize_space("\t a\u00a0 b\n\u2028c  ") == "a b c"


# --------------------------------------------------------------------------- properties

TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cn"), blacklist_characters="\ufffe\uffff")
    | st.sampled_from("&<> \n\t"),
    max_size=20,
)
TAGS = st.sampled_from(["i", "b", "u", "sup", "sub", "italic", "bold", "span", "DispFormula"])


@st.composite
def xml_trees(draw: st.DrawFn, depth: int = 0) -> tuple[str, str]:
    """``(xml, all_text)`` for random nestings of inline tags."""
    parts: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(0, 3))):
        if depth < 3 and draw(st.booleans()):
            tag = draw(TAGS)
            inner_xml, inner_text = draw(xml_trees(depth + 1))
            parts.append((f"<{tag}>{inner_xml}</{tag}>", inner_text))
        else:
            text = draw(TEXT)
            parts.append((escape(text, quote=False), text))
    return "".join(p[0] for p in parts), "".join(p[1] for p in parts)


@settings(max_examples=100, deadline=None)
@given(xml_trees())
def test_fragment_invariants(tree: tuple[str, str]) -> None:
    xml, text = tree
    html, plain = fragment_from_element(etree.fromstring(f"<T>{xml}</T>"))
    assert plain == normalize_space(text)
    assert plain_text(html) == plain
    assert sanitize_html(html) == html
    assert html == html.strip()
    assert "  " not in html
    for tag in etree.fromstring(f"<x>{html}</x>").iter():
        assert tag.tag == "x" or tag.tag in ALLOWED_TAGS


@settings(max_examples=100, deadline=None)
@given(
    st.text(max_size=60)
    | st.lists(
        st.sampled_from(
            [
                "<i>",
                "</i>",
                "<b x='1'>",
                "</b>",
                "<script>",
                "</script>",
                "<p>",
                "&amp;",
                "&lt;",
                "<",
                ">",
                "&",
                "text",
                " ",
                "<sup>",
                "</sub>",
                "<!--",
                "-->",
                "<a href='j:x'>",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_sanitize_html_is_idempotent_and_safe(dirty: str) -> None:
    clean = sanitize_html(dirty)
    assert sanitize_html(clean) == clean
    assert plain_text(clean) == plain_text(dirty)
    parsed = etree.fromstring(f"<x>{clean}</x>")  # well-formed, balanced
    assert all(el.tag == "x" or el.tag in ALLOWED_TAGS for el in parsed.iter())
    assert all(not el.attrib for el in parsed.iter())
