"""Sentences of a clinic page, and which of them read as checkable claims (pure).

The splitter keeps offsets, so an accepted sentence is always a verbatim slice of the page::

    >>> [s.text for s in split_sentences("Dr. Lee gave 2.5 mg, e.g. IV. It works.")]
    ['Dr. Lee gave 2.5 mg, e.g. IV.', 'It works.']

The scorer is a transparent keyword model, not a classifier: every point it gives has a
reason a reviewer can read ("mentions ketamine", "time expression", ...).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

# -- normalising and matching ------------------------------------------------------------

_QUOTE_MAP = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"',
                            "„": '"', "″": '"', "\u00a0": " ", "–": "-", "—": "-"})


def normalise(text: str) -> str:
    """Collapse whitespace and fold typographic quotes and dashes to ASCII.

    >>> normalise("it’s  \\n  “safe”")
    'it\\'s "safe"'
    """
    return " ".join(text.translate(_QUOTE_MAP).split())


def contains_normalised(haystack: str, needle: str) -> bool:
    """Does ``needle`` occur in ``haystack`` once whitespace and quotes are normalised?"""
    n = normalise(needle)
    return bool(n) and n in normalise(haystack)


_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][a-z]+)?")
STOPWORDS = frozenset(
    """a about above after again against all also although am an and any are as at be
    because been before being below between both but by can could did do does doing down
    during each even ever few for from further had has have having he her here hers him his
    how however i if in into is it its itself just like may me might more most much must my
    no nor not now of off often on once one only or other our out over own per rather same
    she should since so some such than that the their them then there these they this those
    through thus to too under until up upon us very was we well were what when where whether
    which while who whom why will with within without would yet you your yours e g i.e eg ie
    etc vs via usually including include includes""".split()  # noqa: SIM905
)
#: Words every claim shares: useless for telling claims apart.
DOMAIN_WORDS = frozenset(
    """ketamine ketamine's ketamine’s therapy treatment treatments patient patients pain
    chronic people individuals""".split()  # noqa: SIM905
)


def stem(word: str) -> str:
    """A crude suffix stripper, enough to match 'reduces', 'reducing' and 'reduced'."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    for suffix in ("ations", "ation", "ness", "ments", "ment", "ities", "ity", "ings", "ing",
                   "ies", "ied", "ed", "es", "ly", "s"):
        if len(w) - len(suffix) >= 4 and w.endswith(suffix):
            return w[: -len(suffix)] + ("y" if suffix in ("ies", "ied", "ities") else "")
    return w


def content_words(text: str, *, drop_domain: bool = False) -> list[str]:
    """Lower-cased words minus stopwords (and, optionally, words every claim shares)."""
    out = []
    for w in _WORD.findall(text):
        lw = w.lower()
        if lw in STOPWORDS or (drop_domain and lw in DOMAIN_WORDS):
            continue
        if len(lw) < 3 and not (w.isupper() and len(w) >= 2):
            continue
        out.append(lw)
    return out


@functools.lru_cache(maxsize=4096)
def _prepared(text: str) -> tuple[str, frozenset[str]]:
    return (normalise(text).lower().rstrip(". "),
            frozenset(stem(w) for w in content_words(text, drop_domain=True)))


def similarity(a: str, b: str) -> float:
    """How alike two statements are, 0..1: 1 if one contains the other, else the Dice
    coefficient of their stemmed content words (words every claim shares excluded).

    >>> similarity("Ketamine reduces chronic pain.", "ketamine reduces chronic pain")
    1.0
    >>> round(similarity("reduces neuropathic pain", "relieves neuropathic pain"), 2)
    0.5
    """
    (na, sa), (nb, sb) = _prepared(a), _prepared(b)
    if na and nb and (na in nb or nb in na) and min(len(na), len(nb)) >= 20:
        return 1.0
    if not sa or not sb:
        return 0.0
    return 2 * len(sa & sb) / (len(sa) + len(sb))


# -- splitting ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence and where it is: ``page[start:end] == text``."""

    text: str
    start: int
    end: int
    paragraph: int = 0  # index of the blank-line separated block it belongs to
    heading: bool = False  # alone on its line(s) without a full stop: a title or caption


#: Tokens that end with a full stop but do not end a sentence (compared lower-case,
#: without the final stop).
ABBREVIATIONS = frozenset(
    """dr mr mrs ms prof st vs v e.g i.e u.s u.k u.s.a no nos fig figs al approx ca cf inc
    ltd co corp jr sr dept ph.d m.d d.o r.n a.m p.m mt vol pp ed eds resp est
    jan feb mar apr jun jul aug sep sept oct nov dec""".split()  # noqa: SIM905
)
_TERMINAL = ".!?…"
_LIST_MARKER = re.compile(r"[ \t]*(?:[•●▪◦‣·*–—-]|\(?\d{1,2}[.)]|\(?[a-zA-Z]\))[ \t]+")
_END = re.compile(r"([.!?…]+)([\"'”’»)\]]*)(\s+)(?=[\"'“‘«(\[]?[A-Z0-9•])")
_TOKEN_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line, without its line break."""
    pos = 0
    for m in re.finditer(r"\r\n|\n|\r|\u2028|\u2029", text):
        yield pos, m.start()
        pos = m.end()
    yield pos, len(text)


def _segments(text: str) -> Iterator[tuple[int, int, int]]:
    """Blocks split at blank lines and at line breaks that end a line of their own.

    A line break joins two lines only when the next line starts in lower case and the
    previous one does not end with punctuation (a hard-wrapped paragraph). Yields
    (start, end, paragraph index).
    """
    paragraph = 0
    cur: tuple[int, int] | None = None
    blank_before = False
    seen_text = False
    for start, end in _lines(text):
        line = text[start:end]
        stripped = line.strip()
        if not stripped:
            if cur is not None:
                yield cur[0], cur[1], paragraph
                cur = None
            blank_before = True
            continue
        if blank_before and seen_text:
            paragraph += 1
        blank_before = False
        seen_text = True
        if cur is not None:
            prev = text[cur[0] : cur[1]].rstrip()
            joins = (
                stripped[0].islower()
                and prev[-1] not in _TERMINAL + ":;"
                and not _LIST_MARKER.match(line)
            )
            if joins:
                cur = (cur[0], end)
                continue
            yield cur[0], cur[1], paragraph
        cur = (start, end)
    if cur is not None:
        yield cur[0], cur[1], paragraph


def _is_abbreviation(before: str) -> bool:
    m = _TOKEN_BEFORE.search(before)
    if not m:
        return False
    token = m.group(1).rstrip(".")
    if len(token) == 1 and token.isupper():
        return True  # an initial: "J. Smith"
    return token.lower() in ABBREVIATIONS


def _trimmed(
    text: str, start: int, end: int, paragraph: int, whole: bool = False
) -> Sentence | None:
    m = _LIST_MARKER.match(text, start, end)
    if m and m.end() < end:
        start = m.end()
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if not any(ch.isalnum() for ch in text[start:end]):
        return None
    heading = whole and text[end - 1] not in _TERMINAL + "\"”’:;)"
    return Sentence(text[start:end], start, end, paragraph, heading)


def split_sentences(text: str) -> list[Sentence]:
    """Split page text into sentences, keeping offsets into ``text``.

    Handles abbreviations ("Dr.", "e.g.", "i.e.", "U.S.", "vs."), initials, decimals
    ("2.5"), closing quotes after the stop (curly or straight), list items and headings
    on lines of their own, and hard-wrapped lines.
    """
    out: list[Sentence] = []
    for seg_start, seg_end, paragraph in _segments(text):
        marker = _LIST_MARKER.match(text, seg_start, seg_end)
        if marker and marker.end() < seg_end:
            seg_start = marker.end()
        piece_start = seg_start
        for m in _END.finditer(text, seg_start, seg_end):
            if m.group(1) == "." and _is_abbreviation(text[piece_start : m.start(1)]):
                continue
            sentence = _trimmed(text, piece_start, m.end(2), paragraph)
            if sentence:
                out.append(sentence)
            piece_start = m.end()
        sentence = _trimmed(text, piece_start, seg_end, paragraph, piece_start == seg_start)
        if sentence:
            out.append(sentence)
    return out


# -- scoring -----------------------------------------------------------------------------


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_KETAMINE = _rx(r"\b(?:es|ar)?ketamine|\bketalar\b|\bspravato\b|\binfusions?\b")
_PRONOUN_START = _rx(r"^(?:it|this|they|these|its|both|such|the (?:drug|medication|treatment|"
                     r"therapy|infusions?))\b")
#: (feature name, pattern, points): what makes a sentence read as a checkable claim.
FEATURES: tuple[tuple[str, re.Pattern[str], float], ...] = (
    ("effect", _rx(r"\b(?:reduc|reliev|relief|improv|treat(?!ment)|effective|effectiveness|"
                   r"efficacy|effects?\b|block|alleviat|eas(?:e|es|ing)\b|benefi|help|"
                   r"manag(?!ement)|decreas|suppress|prevent|promot|heal|work|success|potent|"
                   r"analgesi|control|interrupt|modulat|reset|repair|inhibit|stop|minimi|"
                   r"lower|provid(?:e|es|ed|ing)\b|target|disrupt|bind|attach|act(?:s|ing)? on|"
                   r"interact|cure|safe|useful|valuable|offer|result|lead|address|ideal|"
                   r"suitable|viable|option|solution|alternative|preferred|impair)"), 1.5),
    ("evaluative", _rx(r"\b(?:suitable|useful|ideal|beneficial|promising|valuable|viable|"
                       r"potent|particularly|especially|significant\w*|greatly|highly|"
                       r"substantial|much-needed|powerful|proven|incredibly|dramatic\w*|"
                       r"breakthrough|groundbreaking|game-changer)\b"), 1.0),
    ("modal claim", _rx(r"\b(?:can|may|will|could|might)\s+(?:\w+\s+)?(?:help|provide|"
                        r"reduce|relieve|alleviate|improve|treat|ease|stop|offer|pose|"
                        r"suppress|promote|decrease|block|interrupt|prevent)\b"), 0.5),
    ("number", _rx(r"\d|%|\bpercent\b|\b(?:one|two|three|four|five|six|ten|twenty|fifty|"
                   r"several|decades?|half|most|many|majority|few)\b"), 0.5),
    ("dose", _rx(r"\b(?:doses?|dosing|dosage|low-dose|sub-?anesthetic|sub-?anaesthetic)\b"),
     1.0),
    ("time", _rx(r"\b(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|"
                 r"long[- ]term|short[- ]term|short-lived|lasting|sustained|quick(?:ly)?|"
                 r"rapid(?:ly)?|immediate(?:ly)?|fast(?:-acting)?|prolonged|durable|within|"
                 r"duration|recent(?:ly)?)\b"), 1.0),
    ("comparison", _rx(r"\b(?:than|compared|comparison|better|more|less|fewer|lower|higher|"
                       r"gold[- ]standard|unlike|whereas|instead of|vs\.?|versus|alternative|"
                       r"superior|safer|most|best|in contrast|opioids?|nsaids|antidepressants|"
                       r"pain relievers|conventional|traditional|other treatments)\b"), 1.0),
    ("safety", _rx(r"\b(?:safe(?:ly|ty|r)?|side[- ]effects?|adverse|risks?|dependen\w*|"
                   r"addict\w*|abuse|toleran\w*|cardiovascular|nausea|dizziness|"
                   r"disorientation)\b"), 1.0),
    ("regulatory", _rx(r"\b(?:fda|food and drug administration|approved|approval|off-label|"
                       r"licensed)\b"), 1.0),
    ("mechanism", _rx(r"\b(?:receptors?|nmda|n-methyl|glutamate|pathways?|plasticity|"
                      r"neuroplasticity|inflammat\w*|microglia\w*|astrocyte|sensiti[sz]ation|"
                      r"neurotransmitters?|channels?|signal\w*|nervous system|brain|neural|"
                      r"nerves?)\b"), 1.0),
    ("evidence", _rx(r"\b(?:stud(?:y|ies|ied)|research\w*|shown|evidence|found|demonstrated|"
                     r"trials?|meta-analysis|guidelines?|proven|concluded|explor\w*)\b"), 0.5),
)
_PENALTIES: tuple[tuple[str, re.Pattern[str], float], ...] = (
    ("call to action", _rx(r"\b(?:contact|call|schedule|appointment|subscribe|click|book|"
                           r"form below|fill out|request an|our team|we are|inbox|"
                           r"consultation|candidate for|copyright|rights reserved)\b|©"), -3.0),
    ("marketing", _rx(r"\b(?:clinics?|trusted|personali[sz]ed|state-of-the-art|"
                      r"board-certified|staff|locations?|reputation|learn more|"
                      r"here[’']s what|this guide|cutting-edge)\b"), -1.5),
    ("first person", _rx(r"\b(?:we|our|us)\b"), -1.0),
)
#: Default threshold on the score for a sentence to be proposed.
MIN_SCORE = 3.0
_MIN_WORDS = 6


@dataclass(frozen=True, slots=True)
class ScoredSentence:
    sentence: Sentence
    score: float
    reasons: tuple[str, ...]


def score_sentences(
    sentences: Sequence[Sentence], *, page_about_ketamine: bool = True
) -> list[ScoredSentence]:
    """Score every sentence as a candidate claim, with the reasons for its score.

    A sentence earns points for mentioning ketamine (or, on a page about ketamine,
    continuing a paragraph that does, or starting with a pronoun that refers to it), an
    effect, a number, a time, a comparison, safety or regulatory words, a mechanism, and
    cited evidence. Questions, headings, calls to action and "we/our" lose points.
    """
    out: list[ScoredSentence] = []
    last_mention_paragraph = -1
    previous_mentions = False
    previous_paragraph = -1
    for s in sentences:
        text = s.text
        score = 0.0
        reasons: list[str] = []
        mentions = bool(_KETAMINE.search(text))
        same_paragraph = s.paragraph == previous_paragraph
        if mentions:
            score += 2.0
            reasons.append("mentions ketamine")
        elif page_about_ketamine and (
            _PRONOUN_START.search(text)
            or (same_paragraph and previous_mentions)
            or last_mention_paragraph >= s.paragraph - 1
        ):
            score += 1.0
            reasons.append("continues a ketamine paragraph")
        else:
            score -= 1.0
            reasons.append("not about ketamine")
        for name, pattern, points in FEATURES:
            if pattern.search(text):
                score += points
                reasons.append(name)
        words = len(text.split())
        if text.rstrip().endswith("?"):
            score -= 3.0
            reasons.append("question")
        if words < _MIN_WORDS:
            score -= 2.0
            reasons.append("too short")
        elif s.heading:
            score -= 1.5
            reasons.append("heading")
        for name, pattern, points in _PENALTIES:
            if pattern.search(text):
                score += points
                reasons.append(name)
        out.append(ScoredSentence(s, round(score, 2), tuple(reasons)))
        if mentions:
            last_mention_paragraph = s.paragraph
        previous_mentions = mentions
        previous_paragraph = s.paragraph
    return out


# -- categories and conditions -----------------------------------------------------------

#: Category -> keyword pattern; the category with the most points wins, ties go to the
#: earlier entry; nothing matched means "efficacy".
CATEGORY_RULES: tuple[tuple[str, re.Pattern[str], float], ...] = (
    ("regulatory", _rx(r"\b(?:fda|food and drug administration|approved|approval|off-label|"
                       r"decades|\d+\+? ?-?years|evaluated by)\b"), 2.0),
    ("guideline", _rx(r"\b(?:guidelines?|consensus|society|academy|recommendations?)\b"), 2.0),
    ("dependency", _rx(r"\b(?:dependen\w*|addict\w*|abuse|misuse)\b"), 2.0),
    ("opioid_sparing", _rx(r"\bopioid (?:doses|use|medications?|requirements?|consumption)|"
                           r"\btaper|\breliance|\bopioid-sparing"), 2.0),
    ("comparison", _rx(r"\b(?:than|compared|unlike|whereas|instead of|vs\.?|versus|"
                       r"gold[- ]standard|superior|safer|most (?:common and )?effective|"
                       r"alternative)\b"), 1.5),
    ("onset", _rx(r"\b(?:minutes?|hours?|fast-acting|rapid|quickly|immediate\w*|"
                  r"works quickly)\b"), 1.5),
    ("durability", _rx(r"\b(?:weeks?|months?|long-term|lasting|sustained|prolonged|"
                       r"returning)\b"), 1.5),
    ("safety", _rx(r"\b(?:safe(?:ly|ty)?|side[- ]effects?|adverse|risks?|cardiovascular|"
                   r"nausea|dizziness)\b"), 1.5),
    ("mood_comorbidity", _rx(r"\b(?:depression|depressive|anxiety|ptsd|post-traumatic|mood|"
                             r"antidepressant|mental health|suicid\w*)\b"), 1.5),
    ("mechanism", _rx(r"\b(?:receptors?|nmda|n-methyl|glutamate|pathways?|plasticity|"
                      r"neuroplasticity|inflammat\w*|microglia\w*|astrocyte|sensiti[sz]ation|"
                      r"channels?|neurotransmitters?|mechanism)\b"), 1.0),
)


def propose_category(text: str) -> str:
    """The most likely claim category for a sentence (see :data:`CATEGORY_RULES`).

    >>> propose_category("Ketamine infusions are not FDA-approved.")
    'regulatory'
    >>> propose_category("It works within a few hours of an infusion.")
    'onset'
    """
    best, best_points = "efficacy", 0.0
    for category, pattern, points in CATEGORY_RULES:
        hits = len(pattern.findall(text))
        if hits and hits * points > best_points:
            best, best_points = category, hits * points
    return best


#: Everyday words clinic pages use for each seeded condition (added to the condition's
#: own name and its PubMed free-text phrases).
CONDITION_SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "chronic-pain": ("chronic pain", "persistent pain", "chronic pain syndromes"),
    "crps": ("complex regional pain syndrome", "chronic regional pain syndrome", "CRPS",
             "RSD", "reflex sympathetic dystrophy"),
    "fibromyalgia": ("fibromyalgia",),
    "neuropathic-pain": ("neuropathic", "nerve pain", "nerve damage", "neuralgia"),
    "diabetic-neuropathy": ("diabetic neuropathy",),
    "postherpetic-neuralgia": ("postherpetic", "post-herpetic", "shingles"),
    "phantom-limb-pain": ("phantom limb", "amputation"),
    "spinal-cord-injury-pain": ("spinal cord injury",),
    "chronic-postsurgical-pain": ("post-surgical", "postsurgical", "postoperative",
                                  "post-operative", "after surgery"),
    "cancer-pain": ("cancer pain", "cancer-related pain"),
    "chronic-low-back-pain": ("back pain", "sciatica"),
    "headache-migraine": ("migraine", "migraines", "headache", "headaches"),
    "arthritis": ("arthritis",),
    "rheumatoid-arthritis": ("rheumatoid arthritis",),
    "osteoarthritis": ("osteoarthritis",),
    "depression-chronic-pain": ("depression", "depressive", "antidepressant"),
    "anxiety-chronic-pain": ("anxiety",),
    "ptsd-chronic-pain": ("PTSD", "post-traumatic stress"),
}


def condition_keywords(
    conditions: Iterable[tuple[str, str, Iterable[str]]],
) -> dict[str, tuple[str, ...]]:
    """Keyword map slug -> phrases from (slug, name, extra phrases) triples.

    Each condition contributes its name (without a parenthesised part), the parenthesised
    abbreviation, the extra phrases (for example its PubMed free-text terms) and the
    built-in :data:`CONDITION_SYNONYMS`.
    """
    out: dict[str, tuple[str, ...]] = {}
    for slug, name, extra in conditions:
        phrases = set(CONDITION_SYNONYMS.get(slug, ()))
        base = re.sub(r"\(([^)]*)\)", "", name).strip()
        if base and "(" not in base:
            phrases.add(base)
        phrases.update(p.strip() for p in re.findall(r"\(([^)]*)\)", name) if p.strip())
        phrases.update(p for p in extra if p.strip())
        out[slug] = tuple(sorted(phrases, key=str.lower))
    return out


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(r"[\s-]+", phrase.strip()) if w]
    body = r"[\s-]+".join(words)
    if phrase.isupper():  # abbreviations match case-sensitively: "RSD", not "rsd"
        return re.compile(rf"\b{body}\b")
    return re.compile(rf"\b{body}\b", re.IGNORECASE)


def propose_conditions(text: str, keywords: Mapping[str, Iterable[str]]) -> list[str]:
    """Slugs whose keywords occur in ``text``, in the keyword map's order.

    >>> propose_conditions("It eases CRPS and fibromyalgia.",
    ...                    {"crps": ["CRPS"], "fibromyalgia": ["fibromyalgia"]})
    ['crps', 'fibromyalgia']
    """
    return [
        slug
        for slug, phrases in keywords.items()
        if any(_phrase_pattern(p).search(text) for p in phrases)
    ]
