"""Inter-rater agreement: percent agreement, Cohen's kappa and weighted kappa (pure).

Each function takes the paired judgements of two raters, one ``(a, b)`` tuple per item
both judged. Kappa is ``None`` when it is undefined (no items, or both raters used a
single category so that chance agreement is 1).

>>> pairs = [("include", "include")] * 20 + [("include", "exclude")] * 5 \\
...     + [("exclude", "include")] * 10 + [("exclude", "exclude")] * 15
>>> round(cohen_kappa(pairs), 3)
0.4
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

Weights = Literal["linear", "quadratic"]


def percent_agreement(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Share of items on which the two raters agree (0..1), None for no items."""
    if not pairs:
        return None
    return sum(a == b for a, b in pairs) / len(pairs)


def cohen_kappa(
    pairs: Sequence[tuple[Hashable, Hashable]],
    categories: Sequence[Hashable] | None = None,
) -> float | None:
    """Cohen's kappa: (po - pe) / (1 - pe).

    po is the observed share of agreement; pe the agreement expected by chance from
    each rater's marginal shares: pe = sum over categories of pA(k) * pB(k).
    """
    n = len(pairs)
    if n == 0:
        return None
    cats = list(categories) if categories is not None else sorted(
        {x for pair in pairs for x in pair}, key=str)
    a_counts = Counter(a for a, _ in pairs)
    b_counts = Counter(b for _, b in pairs)
    po = sum(a == b for a, b in pairs) / n
    pe = sum(a_counts[k] * b_counts[k] for k in cats) / (n * n)
    if pe >= 1.0:
        return None
    return (po - pe) / (1 - pe)


def weighted_kappa(
    pairs: Sequence[tuple[Hashable, Hashable]],
    categories: Sequence[Hashable],
    weights: Weights = "linear",
) -> float | None:
    """Cohen's weighted kappa for ordinal categories (given in order).

    With disagreement weights w(i, j) = |i - j| / (k - 1) (linear) or its square
    (quadratic), kappa_w = 1 - sum(w * observed) / sum(w * expected), where the expected
    count of cell (i, j) is rowA(i) * colB(j) / n.
    """
    n = len(pairs)
    k = len(categories)
    if n == 0 or k < 2:
        return None
    index = {c: i for i, c in enumerate(categories)}
    unknown = {x for pair in pairs for x in pair} - set(index)
    if unknown:
        raise ValueError(f"values outside the categories: {sorted(map(str, unknown))}")

    def w(i: int, j: int) -> float:
        d = abs(i - j) / (k - 1)
        return d if weights == "linear" else d * d

    a_counts = Counter(index[a] for a, _ in pairs)
    b_counts = Counter(index[b] for _, b in pairs)
    observed = sum(w(index[a], index[b]) for a, b in pairs)
    expected = sum(w(i, j) * a_counts[i] * b_counts[j] / n for i in range(k) for j in range(k))
    if expected == 0:
        return None
    return 1 - observed / expected


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement of two raters on one kind of judgement."""

    n: int
    percent: float | None
    kappa: float | None
    weighted_linear: float | None = None
    weighted_quadratic: float | None = None

    def to_json(self) -> dict[str, float | int | None]:
        out: dict[str, float | int | None] = {
            "n": self.n, "percent_agreement": _round(self.percent), "kappa": _round(self.kappa)}
        if self.weighted_linear is not None or self.weighted_quadratic is not None:
            out["weighted_kappa_linear"] = _round(self.weighted_linear)
            out["weighted_kappa_quadratic"] = _round(self.weighted_quadratic)
        return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def nominal_agreement(
    pairs: Sequence[tuple[Hashable, Hashable]], categories: Sequence[Hashable] | None = None
) -> Agreement:
    """Percent agreement and Cohen's kappa for unordered categories."""
    return Agreement(len(pairs), percent_agreement(pairs), cohen_kappa(pairs, categories))


def ordinal_agreement(
    pairs: Sequence[tuple[Hashable, Hashable]], categories: Sequence[Hashable]
) -> Agreement:
    """Percent agreement, Cohen's kappa and weighted kappa (linear and quadratic)."""
    return Agreement(len(pairs), percent_agreement(pairs), cohen_kappa(pairs, categories),
                     weighted_kappa(pairs, categories, "linear"),
                     weighted_kappa(pairs, categories, "quadratic"))


def interpret_kappa(kappa: float | None) -> str:
    """Landis and Koch's words for a kappa value."""
    if kappa is None:
        return "undefined"
    if kappa < 0:
        return "poor"
    for limit, word in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"),
                        (0.8, "substantial")):
        if kappa <= limit:
            return word
    return "almost perfect"
