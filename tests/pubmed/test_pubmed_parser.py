"""The streaming PubMed XML parser: real NCBI replies, hand-made edge cases, attacks."""

from __future__ import annotations

import gzip
import io
import re
import socket
import threading
import time
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import pytest
from Bio import Entrez
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence_tracker.domain.markup import normalize_space, plain_text, sanitize_html
from evidence_tracker.domain.models import AbstractSection, Author, CommentCorrection, Study
from evidence_tracker.pubmed import parser as parser_module
from evidence_tracker.pubmed.parser import PubMedParseError, iter_pubmed_xml, parse_pub_date

DATA = Path(__file__).resolve().parent.parent / "data" / "ncbi"
REAL_XML = [
    "pubmed1.xml",
    "pubmed2.xml",
    "pubmed4.xml",
    "pubmed5.xml",
    "pubmed6.xml",
    "pubmed7.xml",
]
DOCTYPE = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)


def parse(data: bytes | str) -> list[Study]:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return list(iter_pubmed_xml(data))


def article(
    pmid: str = "1",
    *,
    title: str = "A title.",
    abstract: str = "",
    article_extra: str = "",
    citation_extra: str = "",
    pubdate: str = "<Year>2021</Year><Month>Mar</Month>",
    authors: str = "",
    pubmed_data: str = "",
    status: str = "MEDLINE",
) -> str:
    """One PubmedArticle with just the parts a test cares about."""
    return (
        f'<PubmedArticle><MedlineCitation Status="{status}" Owner="NLM">'
        f'<PMID Version="1">{pmid}</PMID>'
        '<Article PubModel="Print"><Journal><JournalIssue CitedMedium="Print">'
        f"<Volume>12</Volume><Issue>3</Issue><PubDate>{pubdate}</PubDate></JournalIssue>"
        "<Title>Pain medicine</Title><ISOAbbreviation>Pain Med</ISOAbbreviation></Journal>"
        f"<ArticleTitle>{title}</ArticleTitle>"
        f"{abstract}{authors}<Language>eng</Language>{article_extra}</Article>"
        f"{citation_extra}</MedlineCitation>{pubmed_data}</PubmedArticle>"
    )


def article_set(*articles: str, doctype: bool = True) -> bytes:
    body = "<PubmedArticleSet>\n" + "\n".join(articles) + "\n</PubmedArticleSet>\n"
    return (DOCTYPE if doctype else b"") + body.encode("utf-8")


# --------------------------------------------------------------------------- real NCBI replies


def test_pubmed1_two_records_season_date_and_keywords() -> None:
    first, second = iter_pubmed_xml(DATA / "pubmed1.xml")
    assert first.pmid == "12091962"
    assert first.title == "The treatment of AIDS behind the walls of correctional facilities."
    assert first.journal == "Social justice (San Francisco, Calif.)"
    assert first.journal_abbrev == "Soc Justice"
    assert (first.volume, first.issue, first.pages) == ("17", "1", "113-25")
    assert (first.year, first.pub_date) == (1990, "1990 Spring")
    assert first.authors == [Author(last_name="Olivero", fore_name="J Michael", initials="JM")]
    assert first.publication_types == ["Journal Article", "Review"]
    assert first.keywords == ["Health Care and Public Health", "Legal Approach"]
    assert len(first.mesh) == 19
    aids = next(m for m in first.mesh if m.descriptor == "Acquired Immunodeficiency Syndrome")
    assert (aids.major, aids.ui, aids.qualifiers) == (True, "D000163", ())
    assert not next(m for m in first.mesh if m.descriptor == "Civil Rights").major
    assert (first.abstract, first.abstract_sections, first.doi) == ("", [], "")
    assert (first.entrez_date, first.revised_date) == ("1990-04-01", "2007-11-15")
    assert (first.status, first.language) == ("MEDLINE", "eng")
    assert (first.raw_format, first.source, first.deleted) == ("pubmed-xml", "pubmed", False)

    assert second.pmid == "9997"
    assert second.doi == "10.1016/0005-2795(76)90109-4"
    assert (second.year, second.pub_date) == (1976, "1976-09-28")
    assert second.abstract.startswith("Electron paramagnetic resonance and magnetic")
    assert second.abstract_sections[0].label == ""
    chromatium = next(m for m in second.mesh if m.descriptor == "Chromatium")
    assert chromatium.qualifiers == (("enzymology", True),)
    assert not chromatium.major


def test_pubmed2_affiliations_entities_and_qualifiers() -> None:
    first, second = iter_pubmed_xml(DATA / "pubmed2.xml")
    assert first.pmid == "11748933"
    assert first.doi == "10.1006/cryo.2001.2328"
    assert first.authors[0].affiliation == (
        "Dipartimento di Scienze Ambientali, Università degli Studi della Tuscia, "
        "01100 Viterbo, Italy."
    )
    assert [a.display_name for a in first.authors][:3] == ["Taddei AR", "Barbato F", "Abelli L"]
    assert all(a.affiliation == "" for a in first.authors[1:])
    assert "compared with 24% in the fresh sample (P < 0.001)." in first.abstract
    assert "(P &lt; 0.001)" in first.abstract_sections[0].html
    sea_bream = next(m for m in first.mesh if m.descriptor == "Sea Bream")
    assert sea_bream.qualifiers == (("anatomy & histology", True), ("physiology", False))
    assert "Copyright" not in first.abstract  # CopyrightInformation is not abstract text
    assert (first.pub_date, first.entrez_date) == ("2001-06", "2001-12-26")
    assert second.pmid == "11700088"
    assert second.status == "PubMed-not-MEDLINE"
    assert second.title == "Proton MRI of (13)C distribution by J and chemical shift editing."
    assert second.authors[-1] == Author(
        last_name="De Luca", fore_name="F", initials="F", affiliation=""
    )


def test_pubmed4_structured_abstract_markup_and_ids() -> None:
    (study,) = iter_pubmed_xml(DATA / "pubmed4.xml")
    assert study.pmid == "27797938"
    assert study.doi == "10.1136/gutjnl-2016-312510"
    assert study.pmcid == "PMC5442267"
    assert study.title == (
        "Leucocyte telomere length, genetic variants at the TERT gene region and risk of "
        "pancreatic cancer."
    )
    assert "the <i>TERT</i> gene region" in study.title_html
    assert [s.label for s in study.abstract_sections] == [
        "OBJECTIVE",
        "DESIGN",
        "RESULTS",
        "CONCLUSIONS",
    ]
    assert study.abstract.startswith("OBJECTIVE: Telomere shortening occurs as an early event")
    assert "\n\nDESIGN: We measured prediagnostic leucocyte telomere length" in study.abstract
    assert study.abstract.count("\n\n") == 3
    results = study.abstract_sections[2]
    assert "p<sub>trend</sub>=0.048" in results.html
    assert "ptrend=0.048" in results.text
    assert (study.journal, study.volume, study.issue, study.pages) == (
        "Gut",
        "66",
        "6",
        "1116-1122",
    )
    assert (study.year, study.pub_date) == (2017, "2017-06")
    assert len(study.authors) == 22
    assert study.authors[0] == Author(
        last_name="Bao",
        fore_name="Ying",
        initials="Y",
        affiliation="Channing Division of Network Medicine, Department of Medicine, Brigham "
        "and Women's Hospital, and Harvard Medical School, Boston, Massachusetts, USA.",
    )
    assert study.keywords == ["PANCREATIC CANCER"]
    assert study.comments_corrections[0] == CommentCorrection(
        "CommentIn", "Gut. 2017 Jun;66(6):1", "27920200"
    )
    assert sum(c.ref_type == "Cites" for c in study.comments_corrections) == 48
    assert study.publication_types[:2] == ["Journal Article", "Observational Study"]
    assert (study.entrez_date, study.revised_date) == ("2016-11-01", "2018-04-17")


def test_pubmed5_nlm_categories() -> None:
    (study,) = iter_pubmed_xml(DATA / "pubmed5.xml")
    assert study.pmid == "28775130"
    assert [(s.label, s.nlm_category) for s in study.abstract_sections] == [
        ("OBJECTIVES", "OBJECTIVE"),
        ("METHODS", "METHODS"),
        ("RESULTS", "RESULTS"),
        ("CONCLUSIONS", "CONCLUSIONS"),
    ]
    assert "p<sub>trend</sub> &lt;0.01" in study.abstract_sections[2].html
    assert "ptrend <0.01" in study.abstract_sections[2].text
    assert study.status == "In-Data-Review"
    assert study.pmcid == "PMC5771820"
    assert study.keywords[:2] == ["agriculture", "hypothyroidism"]
    assert study.entrez_date == "2017-08-05"


def test_pubmed6_mathml_and_markup_in_title() -> None:
    (study,) = iter_pubmed_xml(DATA / "pubmed6.xml")
    assert study.pmid == "30108519"
    assert study.title.startswith(
        'A "Blood Relationship" Between the Overlooked Minimum Lactate Equivalent'
    )
    assert study.title_html.startswith('A "<i>Blood Relationship"</i> Between')
    text, html = study.abstract, study.abstract_sections[0].html
    assert "mml" not in html and "math" not in html
    # msub(mover(V, .) O, 2max): a V with a dot above, then a subscript
    assert "maximal oxygen uptake ( V\u0307O<sub>2max</sub> ) 67.6" in html
    assert "maximal oxygen uptake ( V\u0307O2max ) 67.6" in text
    assert "(LE<sub>min</sub>)" in html
    assert "ml·kg<sup>-1</sup>·min<sup>-1</sup>" in html
    assert (study.year, study.pub_date) == (2018, "2018")  # PubDate wins over ArticleDate
    assert (study.pages, study.issue, study.pmcid) == ("1034", "", "PMC6079548")
    assert study.doi == "10.3389/fphys.2018.01034"


def test_pubmed7_mmultiscripts_collective_author_reference_list() -> None:
    (study,) = iter_pubmed_xml(DATA / "pubmed7.xml")
    assert study.pmid == "29963580"
    html = study.abstract_sections[0].html
    assert "inhaled <sup>3</sup>He/<sup>129</sup>Xe MRI ventilation" in html
    assert "inhaled 3He/129Xe MRI ventilation" in study.abstract
    assert "ultrashort echo-time <sup>1</sup>H MRI proton density" in html
    assert study.authors[-1] == Author(collective_name="Canadian Respiratory Research Network")
    assert study.authors[-1].display_name == "Canadian Respiratory Research Network"
    assert study.authors[0].affiliation == (
        "University of Western Ontario, Robarts Research Institute, London, Ontario, Canada."
    )
    # PMIDs and ArticleIds inside PubmedData/ReferenceList must not leak into the record
    assert study.comments_corrections == []
    assert (study.doi, study.pmcid) == ("10.1117/1.JMI.5.2.026002", "PMC6022861")
    assert (study.pub_date, study.journal_abbrev) == ("2018-04", "J Med Imaging (Bellingham)")


@pytest.mark.parametrize("name", REAL_XML)
def test_raw_record_is_the_exact_element_and_reparses_identically(name: str) -> None:
    studies = list(iter_pubmed_xml(DATA / name))
    assert studies
    for study in studies:
        assert study.raw_record.startswith(b"<PubmedArticle>")
        assert study.raw_record.endswith(b"</PubmedArticle>")
        assert f'<PMID Version="1">{study.pmid}</PMID>'.encode() in study.raw_record
        (again,) = iter_pubmed_xml(study.raw_record)
        assert again == study


@pytest.mark.parametrize("name", REAL_XML)
def test_html_fragments_are_sanitized_and_consistent(name: str) -> None:
    for study in iter_pubmed_xml(DATA / name):
        assert sanitize_html(study.title_html) == study.title_html
        assert plain_text(study.title_html) == study.title
        for section in study.abstract_sections:
            assert sanitize_html(section.html) == section.html
            assert plain_text(section.html) == section.text
            assert set(re.findall(r"</?([a-z]+)>", section.html)) <= {"i", "b", "u", "sup", "sub"}


# --------------------------------------------------------------------------- differential


_TAGS = re.compile(r"</?(?:i|b|u|sup|sub)>")


def _entrez_plain(value: Any) -> str:
    return normalize_space(_TAGS.sub("", str(value)))


@pytest.mark.parametrize("name", REAL_XML)
def test_same_answers_as_bio_entrez_read(name: str) -> None:
    with open(DATA / name, "rb") as handle:
        reference = Entrez.read(handle)
    ours = list(iter_pubmed_xml(DATA / name))
    assert len(ours) == len(reference["PubmedArticle"]) > 0
    for study, record in zip(ours, reference["PubmedArticle"], strict=True):
        citation = record["MedlineCitation"]
        art = citation["Article"]
        assert study.pmid == str(citation["PMID"])
        assert study.title == _entrez_plain(art["ArticleTitle"])
        dois = [str(e) for e in art.get("ELocationID", []) if e.attributes["EIdType"] == "doi"]
        dois += [
            str(i) for i in record["PubmedData"]["ArticleIdList"] if i.attributes["IdType"] == "doi"
        ]
        assert study.doi == (dois[0] if dois else "")
        assert study.journal == str(art["Journal"]["Title"])
        assert [m.descriptor for m in study.mesh] == [
            str(h["DescriptorName"]) for h in citation.get("MeshHeadingList", [])
        ]
        assert len(study.authors) == len(art.get("AuthorList", []))
        assert study.publication_types == [str(p) for p in art["PublicationTypeList"]]
        if "mml:" not in study.raw_record.decode() and "Abstract" in art:
            assert [s.text for s in study.abstract_sections] == [
                _entrez_plain(t) for t in art["Abstract"]["AbstractText"]
            ]
            assert [s.label for s in study.abstract_sections] == [
                getattr(t, "attributes", {}).get("Label", "")
                for t in art["Abstract"]["AbstractText"]
            ]


# --------------------------------------------------------------------------- hand-made samples


def test_structured_abstract_with_labels_categories_and_an_unlabelled_part() -> None:
    abstract = (
        "<Abstract>"
        '<AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Ketamine is an NMDA '
        "antagonist.</AbstractText>"
        '<AbstractText Label="METHODS" NlmCategory="METHODS">We randomised\n   40 adults.'
        "</AbstractText>"
        "<AbstractText>Funded by nobody.</AbstractText>"
        '<AbstractText Label="EMPTY"/>'
        "<CopyrightInformation>© 2021 The Authors.</CopyrightInformation>"
        "</Abstract>"
    )
    (study,) = parse(article_set(article(abstract=abstract)))
    assert study.abstract_sections == [
        AbstractSection(
            "Ketamine is an NMDA antagonist.",
            "BACKGROUND",
            "BACKGROUND",
            "Ketamine is an NMDA antagonist.",
        ),
        AbstractSection(
            "We randomised 40 adults.", "METHODS", "METHODS", "We randomised 40 adults."
        ),
        AbstractSection("Funded by nobody.", "", "", "Funded by nobody."),
    ]
    assert study.abstract == (
        "BACKGROUND: Ketamine is an NMDA antagonist.\n\nMETHODS: We randomised 40 adults."
        "\n\nFunded by nobody."
    )


def test_unstructured_abstract_is_plain_paragraph() -> None:
    abstract = "<Abstract><AbstractText>One  paragraph\n only.</AbstractText></Abstract>"
    (study,) = parse(article_set(article(abstract=abstract)))
    assert study.abstract == "One paragraph only."


def test_inline_markup_and_mathml_in_title() -> None:
    title = (
        "Effect of <i>S</i>-ketamine on Ca<sup>2+</sup> &amp; <b>NMDA</b> &lt;receptors&gt;: "
        '<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:msub><mml:mi>K</mml:mi>'
        "<mml:mi>d</mml:mi></mml:msub><mml:mo>=</mml:mo><mml:mfrac><mml:mn>1</mml:mn>"
        "<mml:mn>2</mml:mn></mml:mfrac></mml:math> in <u>rats</u> <span>(pilot)</span>"
    )
    (study,) = parse(article_set(article(title=title)))
    assert study.title == "Effect of S-ketamine on Ca2+ & NMDA <receptors>: Kd=1/2 in rats (pilot)"
    assert study.title_html == (
        "Effect of <i>S</i>-ketamine on Ca<sup>2+</sup> &amp; <b>NMDA</b> &lt;receptors&gt;: "
        "K<sub>d</sub>=1/2 in <u>rats</u> (pilot)"
    )


def test_vernacular_title_is_used_when_the_title_is_empty() -> None:
    (study,) = parse(
        article_set(
            article(
                title="", article_extra="<VernacularTitle>Ketamin bei <i>CRPS</i></VernacularTitle>"
            )
        )
    )
    assert (study.title, study.title_html) == ("Ketamin bei CRPS", "Ketamin bei <i>CRPS</i>")


def test_authors_collective_invalid_and_first_affiliation_only() -> None:
    authors = (
        '<AuthorList CompleteYN="Y">'
        '<Author ValidYN="Y"><LastName>Sigtermans</LastName><ForeName>Marnix J</ForeName>'
        "<Initials>MJ</Initials><Suffix>Jr</Suffix>"
        '<Identifier Source="ORCID">0000-0000-0000-0000</Identifier>'
        "<AffiliationInfo><Affiliation>Leiden University Medical Center, "
        "Leiden, The Netherlands.</Affiliation></AffiliationInfo>"
        "<AffiliationInfo><Affiliation>Second place.</Affiliation></AffiliationInfo></Author>"
        '<Author ValidYN="N"><LastName>Wrong</LastName><Initials>X</Initials></Author>'
        "<Author><CollectiveName>CRPS <i>Study</i> Group</CollectiveName></Author>"
        "<Author><LastName>Dahan</LastName><Initials>A</Initials></Author>"
        "</AuthorList>"
    )
    (study,) = parse(article_set(article(authors=authors)))
    assert study.authors == [
        Author(
            "Sigtermans",
            "Marnix J",
            "MJ",
            "",
            "Leiden University Medical Center, Leiden, The Netherlands.",
        ),
        Author(collective_name="CRPS Study Group"),
        Author(last_name="Dahan", initials="A"),
    ]
    assert [a.display_name for a in study.authors] == [
        "Sigtermans MJ",
        "CRPS Study Group",
        "Dahan A",
    ]


@pytest.mark.parametrize(
    ("pubdate", "year", "pub_date"),
    [
        ("<Year>2021</Year><Month>Mar</Month>", 2021, "2021-03"),
        ("<Year>2021</Year><Month>03</Month><Day>14</Day>", 2021, "2021-03-14"),
        ("<Year>2021</Year><Month>September</Month><Day>4</Day>", 2021, "2021-09-04"),
        ("<Year>2021</Year><Month>Feb</Month><Day>30</Day>", 2021, "2021-02"),
        ("<Year>2021</Year><Month>Spring?</Month>", 2021, "2021"),
        ("<Year>2020</Year><Season>Winter</Season>", 2020, "2020 Winter"),
        ("<MedlineDate>1998 Dec-1999 Jan</MedlineDate>", 1998, "1998 Dec-1999 Jan"),
        ("<MedlineDate>2000 Spring-Summer</MedlineDate>", 2000, "2000 Spring-Summer"),
        ("<MedlineDate>Winter</MedlineDate>", None, "Winter"),
        ("<Year>2019</Year>", 2019, "2019"),
    ],
)
def test_publication_dates(pubdate: str, year: int | None, pub_date: str) -> None:
    (study,) = parse(article_set(article(pubdate=pubdate)))
    assert (study.year, study.pub_date) == (year, pub_date)


def test_article_date_is_the_fallback_when_pubdate_has_no_year() -> None:
    extra = (
        '<ArticleDate DateType="Electronic"><Year>2022</Year><Month>01</Month>'
        "<Day>05</Day></ArticleDate>"
    )
    (study,) = parse(article_set(article(pubdate="", article_extra=extra)))
    assert (study.year, study.pub_date) == (2022, "2022-01-05")


def test_parse_pub_date_without_element() -> None:
    assert parse_pub_date(None) == (None, "")


def test_identifiers_pages_history_and_status() -> None:
    extra = (
        "<Pagination><StartPage>e101</StartPage><EndPage>e110</EndPage></Pagination>"
        '<ELocationID EIdType="pii" ValidYN="Y">S0304-3959(21)00001-1</ELocationID>'
        '<ELocationID EIdType="doi" ValidYN="N">10.9999/withdrawn</ELocationID>'
    )
    pubmed_data = (
        "<PubmedData><History>"
        '<PubMedPubDate PubStatus="received"><Year>2020</Year><Month>5</Month><Day>1</Day>'
        "</PubMedPubDate>"
        '<PubMedPubDate PubStatus="pubmed"><Year>2021</Year><Month>2</Month><Day>3</Day>'
        "</PubMedPubDate></History><PublicationStatus>ppublish</PublicationStatus>"
        '<ArticleIdList><ArticleId IdType="pubmed">1</ArticleId>'
        '<ArticleId IdType="doi">https://doi.org/10.1097/j.pain.0000000000000001</ArticleId>'
        '<ArticleId IdType="pmc">7654321</ArticleId></ArticleIdList></PubmedData>'
    )
    citation = (
        "<DateRevised><Year>2023</Year><Month>12</Month><Day>01</Day></DateRevised>"
        "<MedlineJournalInfo><MedlineTA>Pain</MedlineTA></MedlineJournalInfo>"
    )
    xml = article(article_extra=extra, pubmed_data=pubmed_data, status="Publisher")
    xml = xml.replace("<Article ", citation + "<Article ", 1)
    (study,) = parse(article_set(xml))
    assert study.doi == "10.1097/j.pain.0000000000000001"
    assert study.pmcid == "PMC7654321"
    assert study.pages == "e101-e110"
    assert study.entrez_date == "2021-02-03"  # no "entrez" date: the "pubmed" one
    assert study.revised_date == "2023-12-01"
    assert study.status == "Publisher"


def test_retraction_notice_and_retracted_article() -> None:
    retracted = article(
        "111",
        article_extra=(
            '<PublicationTypeList><PublicationType UI="D016428">Journal Article'
            '</PublicationType><PublicationType UI="D016441">Retracted Publication'
            "</PublicationType></PublicationTypeList>"
        ),
        citation_extra=(
            "<CommentsCorrectionsList>"
            '<CommentsCorrections RefType="RetractionIn"><RefSource>Pain Med. 2022 Jan;23(1):'
            '200</RefSource><PMID Version="1">222</PMID></CommentsCorrections>'
            '<CommentsCorrections RefType="ErratumIn"><RefSource>Pain Med. 2021 Jun;22(6):9'
            "</RefSource></CommentsCorrections>"
            "</CommentsCorrectionsList>"
        ),
    )
    notice = article(
        "222",
        article_extra=(
            '<PublicationTypeList><PublicationType UI="D016440">Retraction of Publication'
            "</PublicationType></PublicationTypeList>"
        ),
        citation_extra=(
            '<CommentsCorrectionsList><CommentsCorrections RefType="RetractionOf">'
            '<RefSource>Pain Med. 2021;22:1</RefSource><PMID Version="1">111</PMID>'
            "</CommentsCorrections></CommentsCorrectionsList>"
        ),
    )
    first, second = parse(article_set(retracted, notice))
    assert first.retracted
    assert first.publication_types == ["Journal Article", "Retracted Publication"]
    assert first.comments_corrections == [
        CommentCorrection("RetractionIn", "Pain Med. 2022 Jan;23(1):200", "222"),
        CommentCorrection("ErratumIn", "Pain Med. 2021 Jun;22(6):9", ""),
    ]
    assert [n.ref_type for n in first.notices] == ["RetractionIn", "ErratumIn"]
    assert not second.retracted
    assert second.comments_corrections == [
        CommentCorrection("RetractionOf", "Pain Med. 2021;22:1", "111")
    ]


def test_delete_citation_yields_deleted_studies_after_the_articles() -> None:
    delete = (
        '<DeleteCitation><PMID Version="1">30000001</PMID>'
        '<PMID Version="1">30000002</PMID></DeleteCitation>'
    )
    studies = parse(article_set(article("5"), delete))
    assert [(s.pmid, s.deleted) for s in studies] == [
        ("5", False),
        ("30000001", True),
        ("30000002", True),
    ]
    gone = studies[1]
    assert (gone.title, gone.raw_format, gone.source) == ("", "pubmed-xml", "pubmed")
    assert [s.pmid for s in iter_pubmed_xml(gone.raw_record)] == ["30000001"]


BOOK = """<PubmedBookArticle>
  <BookDocument>
    <PMID Version="1">20301295</PMID>
    <ArticleIdList><ArticleId IdType="bookaccession">NBK1116</ArticleId></ArticleIdList>
    <Book>
      <Publisher><PublisherName>University of Washington, Seattle</PublisherName>
        <PublisherLocation>Seattle (WA)</PublisherLocation></Publisher>
      <BookTitle book="gene">GeneReviews<sup>®</sup></BookTitle>
      <PubDate><Year>1993</Year></PubDate>
      <BeginningDate><Year>1993</Year></BeginningDate>
      <AuthorList Type="editors">
        <Author><LastName>Adam</LastName><ForeName>Margaret P</ForeName>
          <Initials>MP</Initials></Author>
      </AuthorList>
      <Medium>Internet</Medium>
    </Book>
    <LocationLabel Type="chapter">Chronic pain</LocationLabel>
    <ArticleTitle book="gene" part="crps">Complex Regional Pain Syndrome</ArticleTitle>
    <Language>eng</Language>
    <AuthorList Type="authors">
      <Author><LastName>Birklein</LastName><ForeName>Frank</ForeName><Initials>F</Initials>
        <AffiliationInfo><Affiliation>Mainz University.</Affiliation></AffiliationInfo>
      </Author>
    </AuthorList>
    <PublicationType UI="D016454">Review</PublicationType>
    <Abstract>
      <AbstractText Label="CLINICAL CHARACTERISTICS" NlmCategory="BACKGROUND">Pain
        after <i>trauma</i>.</AbstractText>
      <AbstractText Label="MANAGEMENT" NlmCategory="METHODS">Physiotherapy.</AbstractText>
      <CopyrightInformation>Copyright © 1993-2024, University of Washington.</CopyrightInformation>
    </Abstract>
    <KeywordList><Keyword>CRPS</Keyword></KeywordList>
    <DateRevised><Year>2024</Year><Month>01</Month><Day>18</Day></DateRevised>
  </BookDocument>
  <PubmedBookData>
    <History><PubMedPubDate PubStatus="pubmed"><Year>2010</Year><Month>3</Month><Day>20</Day>
      <Hour>6</Hour><Minute>0</Minute></PubMedPubDate>
      <PubMedPubDate PubStatus="entrez"><Year>2010</Year><Month>3</Month><Day>20</Day>
      </PubMedPubDate></History>
    <PublicationStatus>ppublish</PublicationStatus>
    <ArticleIdList><ArticleId IdType="pubmed">20301295</ArticleId></ArticleIdList>
  </PubmedBookData>
</PubmedBookArticle>"""


def test_book_article() -> None:
    (book,) = parse(article_set(BOOK))
    assert book.pmid == "20301295"
    assert book.title == "Complex Regional Pain Syndrome"
    assert (book.journal, book.journal_abbrev) == ("GeneReviews®", "")
    assert (book.year, book.pub_date) == (1993, "1993")
    assert book.authors == [Author("Birklein", "Frank", "F", "", "Mainz University.")]
    assert book.publication_types == ["Review"]
    assert book.abstract == (
        "CLINICAL CHARACTERISTICS: Pain after trauma.\n\nMANAGEMENT: Physiotherapy."
    )
    assert book.abstract_sections[0].html == "Pain after <i>trauma</i>."
    assert book.abstract_sections[0].nlm_category == "BACKGROUND"
    assert (book.keywords, book.language) == (["CRPS"], "eng")
    assert (book.revised_date, book.entrez_date) == ("2024-01-18", "2010-03-20")
    assert book.raw_record.startswith(b"<PubmedBookArticle>")
    assert list(iter_pubmed_xml(book.raw_record)) == [book]


def test_whole_book_without_chapter_title_uses_the_book_title() -> None:
    whole = re.sub(r"<ArticleTitle.*?</ArticleTitle>", "", BOOK)
    whole = re.sub(r'<AuthorList Type="authors">.*?</AuthorList>', "", whole, flags=re.S)
    (book,) = parse(article_set(whole))
    assert (book.title, book.title_html, book.journal) == (
        "GeneReviews®",
        "GeneReviews<sup>®</sup>",
        "",
    )
    assert book.authors == []  # editors are not authors


def test_book_article_set_root_and_bare_record_root() -> None:
    data = f"<PubmedBookArticleSet>{BOOK}</PubmedBookArticleSet>".encode()
    assert [s.pmid for s in iter_pubmed_xml(data)] == ["20301295"]
    assert [s.pmid for s in iter_pubmed_xml(article("77").encode())] == ["77"]


def test_empty_article_set_yields_nothing() -> None:
    assert parse(article_set()) == []
    assert parse(b"<PubmedArticleSet/>") == []


def test_undeclared_html_entities_with_the_pubmed_doctype() -> None:
    (study,) = parse(article_set(article(title="Pain&nbsp;relief &mdash; &unknown; ok")))
    assert study.title == "Pain relief \u2014 &unknown; ok"
    assert study.title_html == "Pain relief \u2014 &amp;unknown; ok"


def test_comments_and_processing_instructions_inside_text_are_dropped() -> None:
    (study,) = parse(article_set(article(title="A <!-- note --> b<?pi x?> c")))
    assert study.title == "A b c"


# --------------------------------------------------------------------------- sources


def test_accepts_path_str_bytes_binary_file_and_gzip(tmp_path: Path) -> None:
    data = (DATA / "pubmed2.xml").read_bytes()
    expected = ["11748933", "11700088"]
    gz = tmp_path / "pubmed2.xml.gz"
    gz.write_bytes(gzip.compress(data))
    with open(DATA / "pubmed2.xml", "rb") as handle:
        from_handle = [s.pmid for s in iter_pubmed_xml(handle)]
    assert from_handle == expected
    assert [s.pmid for s in iter_pubmed_xml(str(DATA / "pubmed2.xml"))] == expected
    assert [s.pmid for s in iter_pubmed_xml(bytearray(data))] == expected
    assert [s.pmid for s in iter_pubmed_xml(memoryview(data))] == expected
    assert [s.pmid for s in iter_pubmed_xml(io.BytesIO(data))] == expected
    assert [s.pmid for s in iter_pubmed_xml(gz)] == expected


def test_record_source_names_an_import() -> None:
    studies = list(iter_pubmed_xml(DATA / "pubmed2.xml", record_source="import:pubmed2.xml"))
    assert [s.source for s in studies] == ["import:pubmed2.xml"] * 2


def test_errors_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(article_set(article("1"))[:-30])
    with pytest.raises(PubMedParseError, match=r"broken\.xml: malformed PubMed XML at line"):
        list(iter_pubmed_xml(broken))


def test_rejects_text_mode_files_and_other_objects() -> None:
    with (
        open(DATA / "pubmed2.xml", encoding="utf-8") as handle,
        pytest.raises(TypeError, match="binary"),
    ):
        next(iter_pubmed_xml(handle))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        next(iter_pubmed_xml(42))  # type: ignore[arg-type]


def test_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        next(iter_pubmed_xml(tmp_path / "nope.xml"))


def test_streams_records_before_reading_the_whole_input() -> None:
    body = [article(str(n), title="x" * 2000) for n in range(1, 201)]
    data = article_set(*body)

    class Spy(io.BytesIO):
        consumed = 0

        def read(self, size: int | None = -1) -> bytes:
            chunk = super().read(size)
            Spy.consumed += len(chunk)
            return chunk

    stream = Spy(data)
    first = next(iter_pubmed_xml(stream))
    assert first.pmid == "1"
    assert Spy.consumed < len(data) / 2


def test_finished_records_are_freed(monkeypatch: pytest.MonkeyPatch) -> None:
    live: list[int] = []
    leftovers: list[object] = []
    real = parser_module._read_record

    def spy(el: Any, *args: Any) -> list[Study]:
        live.append(len(el.getparent()))
        previous = el.getprevious()  # the record just read: emptied, and nothing before it
        if previous is not None and (len(previous) or previous.getprevious() is not None):
            leftovers.append(previous)
        return real(el, *args)

    monkeypatch.setattr(parser_module, "_read_record", spy)
    one = article("1")
    studies = parse(article_set(*(article(str(n)) for n in range(1, 3001))))
    assert len(studies) == 3000
    # every record before the current one is emptied or gone when it is read ...
    assert leftovers == []
    # ... so the tree never holds more than what libxml2 parsed from one or two read chunks
    assert max(live) <= 2 * parser_module._CHUNK // len(one) + 2


def test_no_network_access_for_the_doctype(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert len([s for name in REAL_XML for s in iter_pubmed_xml(DATA / name)]) == 8


# --------------------------------------------------------------------------- broken input


def test_truncated_document_yields_earlier_records_then_fails_with_the_line() -> None:
    data = article_set(article("1"), article("2"), article("3"))
    cut = data.index(b"<PMID", data.index(b'<PMID Version="1">3')) + 30
    got: list[str] = []
    with pytest.raises(PubMedParseError) as info:
        for study in iter_pubmed_xml(data[:cut]):
            got.append(study.pmid)
    assert got == ["1", "2"]
    message = str(info.value)
    assert "line 6" in message
    assert "after 2 records, last PMID 2" in message
    assert isinstance(info.value, ValueError)


def test_truncated_real_file() -> None:
    data = (DATA / "pubmed2.xml").read_bytes()
    cut = data.index(b"<PubmedArticle>", 200) + 500
    got = []
    with pytest.raises(PubMedParseError, match=r"<bytes>: malformed PubMed XML at line \d+"):
        for study in iter_pubmed_xml(data[:cut]):
            got.append(study.pmid)
    assert got == ["11748933"]


def test_mismatched_tags_are_reported_with_line_and_column() -> None:
    data = article_set(article("1"), article("2").replace("</ArticleTitle>", "</Title>"))
    got = []
    with pytest.raises(PubMedParseError) as info:
        for study in iter_pubmed_xml(data):
            got.append(study.pmid)
    assert got == ["1"]
    assert re.search(r"at line 5, column \d+: .*mismatch", str(info.value))


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        (b"", r"malformed PubMed XML.*empty|malformed PubMed XML"),
        (b"this is not xml", r"malformed PubMed XML at line 1"),
        (b"<PubmedArticleSet><PubmedArticle>", r"malformed PubMed XML"),
        (b"<PubmedArticleSet></PubmedArticleSet><PubmedArticleSet/>", r"Extra content"),
        ("<PubmedArticleSet>\u00e9</PubmedArticleSet>".encode("latin-1"), r"malformed"),
    ],
)
def test_garbage_raises_parse_errors(data: bytes, pattern: str) -> None:
    with pytest.raises(PubMedParseError, match=pattern):
        list(iter_pubmed_xml(data))


def test_other_ncbi_replies_are_not_pubmed_xml() -> None:
    esearch = b"<eSearchResult><Count>0</Count><IdList/></eSearchResult>"
    with pytest.raises(PubMedParseError, match=r"not PubMed XML \(root element <eSearchResult>"):
        list(iter_pubmed_xml(esearch))
    error = b"<eFetchResult>\n<ERROR>Cannot retrieve query from history</ERROR>\n</eFetchResult>"
    with pytest.raises(PubMedParseError, match="NCBI says 'Cannot retrieve query from history'"):
        list(iter_pubmed_xml(error))


def test_record_without_pmid_is_an_error() -> None:
    data = article_set(article("1"), article("").replace('<PMID Version="1"></PMID>', ""))
    with pytest.raises(PubMedParseError, match=r"<PubmedArticle> at line 5 has no PMID"):
        list(iter_pubmed_xml(data))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_truncation_or_corruption_gives_records_or_a_parse_error(data: st.DataObject) -> None:
    source = (
        (DATA / "pubmed4.xml").read_bytes()
        if data.draw(st.booleans())
        else (DATA / "pubmed1.xml").read_bytes()
    )
    cut = data.draw(st.integers(0, len(source)))
    mangled = bytearray(source[:cut])
    for _ in range(data.draw(st.integers(0, 3))):
        if mangled:
            where = data.draw(st.integers(0, len(mangled) - 1))
            mangled[where] = data.draw(st.sampled_from(b"<>&/\"' x\x00\xff"))
    try:
        studies = list(iter_pubmed_xml(bytes(mangled)))
    except PubMedParseError as exc:
        assert str(exc)
    else:
        assert all(isinstance(s, Study) and s.pmid for s in studies)


# --------------------------------------------------------------------------- attacks


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>\n<PubmedArticleSet>"
    + article("1", title="&lol9;").encode()
    + b"</PubmedArticleSet>\n"
)


def test_billion_laughs_is_refused_quickly_without_expansion() -> None:
    started = time.monotonic()
    got = []
    with pytest.raises(PubMedParseError, match="entit") as info:
        for study in iter_pubmed_xml(BILLION_LAUGHS):
            got.append(study)
    assert time.monotonic() - started < 2
    assert got == []
    assert "lol" * 100 not in str(info.value)


def test_quadratic_blowup_is_refused() -> None:
    big = b"A" * 100_000
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY a "'
        + big
        + b'">]>\n'
        + b"<PubmedArticleSet>"
        + article("1", title="&a;" * 1000).encode()
        + b"</PubmedArticleSet>"
    )
    with pytest.raises(PubMedParseError, match="entit"):
        list(iter_pubmed_xml(data))


def test_external_entity_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM "'
        + secret.as_uri().encode()
        + b'">]>\n<PubmedArticleSet>'
        + article("1", title="leak: &xxe;").encode()
        + b"</PubmedArticleSet>"
    )
    with pytest.raises(PubMedParseError, match="entit") as info:
        list(iter_pubmed_xml(data))
    assert "TOP-SECRET" not in str(info.value)


@pytest.fixture
def listening_socket() -> Iterator[tuple[socket.socket, list[object]]]:
    """A local TCP server that records any connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    hits: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            hits.append(conn)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server, hits
    stop.set()
    thread.join(2)
    server.close()


def test_external_dtd_and_parameter_entities_touch_no_network(
    listening_socket: tuple[socket.socket, list[object]],
) -> None:
    server, hits = listening_socket
    url = f"http://127.0.0.1:{server.getsockname()[1]}/evil.dtd".encode()
    external_dtd = (
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet SYSTEM "' + url + b'">\n'
        b"<PubmedArticleSet>" + article("1").encode() + b"</PubmedArticleSet>"
    )
    assert [s.pmid for s in iter_pubmed_xml(external_dtd)] == ["1"]
    parameter_entity = (
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY % remote SYSTEM "'
        + url
        + b'"> %remote;]>\n<PubmedArticleSet>'
        + article("1").encode()
        + b"</PubmedArticleSet>"
    )
    with pytest.raises(PubMedParseError):
        list(iter_pubmed_xml(parameter_entity))
    time.sleep(0.3)
    assert hits == []


# --------------------------------------------------------------------------- round trips

XML_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc", "Cn"), blacklist_characters="\ufffe\uffff"
) | st.sampled_from("&<>\"' \t\n\r")


@settings(max_examples=100, deadline=None)
@given(
    title=st.text(XML_CHARS, max_size=80),
    parts=st.lists(
        st.tuples(
            st.sampled_from(["", "BACKGROUND", "R&D <x>"]),
            st.text(XML_CHARS, max_size=60),
            st.sampled_from(["", "i", "sup", "b"]),
        ),
        max_size=4,
    ),
)
def test_any_text_round_trips_to_the_same_plain_text(
    title: str, parts: list[tuple[str, str, str]]
) -> None:
    def marked(text: str, tag: str) -> str:
        half = len(text) // 2
        head, tail = escape(text[:half], quote=False), escape(text[half:], quote=False)
        return f"{head}<{tag}>{tail}</{tag}>" if tag else head + tail

    abstract = "".join(
        f'<AbstractText Label="{escape(label)}">{marked(text, tag)}</AbstractText>'
        for label, text, tag in parts
    )
    xml = article(
        title=marked(title, "i"), abstract=f"<Abstract>{abstract}</Abstract>" if parts else ""
    )
    (study,) = parse(article_set(xml))
    assert study.title == normalize_space(title)
    assert plain_text(study.title_html) == study.title
    assert sanitize_html(study.title_html) == study.title_html
    expected = [(label, normalize_space(text)) for label, text, _ in parts if text.split()]
    assert [(s.label, s.text) for s in study.abstract_sections] == expected
    for section in study.abstract_sections:
        assert plain_text(section.html) == section.text
    assert study.abstract == "\n\n".join(
        f"{label}: {text}" if label else text for label, text in expected
    )
