"""Random-effects pooling of study effects with statsmodels' meta-analysis (pure).

Each study's standard error comes from its 95% CI (SE = (high - low) / (2 × 1.96)); ratio
measures (RR, OR) are pooled on the log scale and reported back on the ratio scale. The
between-study variance is estimated by Paule-Mandel (``method_re="pm"``), which Veroniki
et al. (Res Synth Methods 2016;7:55-79) recommend over DerSimonian-Laird; statsmodels'
DL estimate is not truncated at zero, Paule-Mandel's is. I² is Higgins' (Q - df) / Q from
the library's Q, floored at 0 (Cochrane Handbook 10.10.2).

>>> p = pool_effects([
...     StudyEffect(1, "A", EffectMeasure.MD, -1.0, -1.6, -0.4),
...     StudyEffect(2, "B", EffectMeasure.MD, -1.4, -2.2, -0.6)])
>>> (round(p.value, 2), p.studies, p.i_squared)
(-1.14, 2, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from evidence_tracker.domain.findings import EffectMeasure

Z95 = 1.959963984540054
METHOD = "Paule-Mandel random effects (statsmodels)"


@dataclass(frozen=True, slots=True)
class StudyEffect:
    """One study's effect on one outcome at one time point (a forest plot row)."""

    study_id: int
    key: str
    measure: EffectMeasure
    value: float
    ci_low: float
    ci_high: float
    analysed: int | None = None


@dataclass(frozen=True, slots=True)
class PooledEffect:
    """A random-effects pooled estimate (computed with statsmodels' meta-analysis)."""

    measure: EffectMeasure
    value: float
    ci_low: float
    ci_high: float
    studies: int
    i_squared: float | None = None  # heterogeneity, 0..1; None for a single study
    tau_squared: float | None = None
    method: str = ""  # e.g. "DerSimonian-Laird random effects"

    @property
    def crosses_no_effect(self) -> bool:
        return self.ci_low <= self.measure.no_effect <= self.ci_high

    def __str__(self) -> str:
        i2 = f"; I² {self.i_squared:.0%}" if self.i_squared is not None else ""
        return (f"{self.measure.value} {self.value:.2f} (95% CI {self.ci_low:.2f} to "
                f"{self.ci_high:.2f}; {self.studies} studies{i2})")


def standard_error(effect: StudyEffect) -> float | None:
    """The SE implied by a 95% CI (on the log scale for a ratio); None if it cannot be."""
    low, high = effect.ci_low, effect.ci_high
    if effect.measure.is_ratio:
        if low <= 0 or high <= 0:
            return None
        low, high = math.log(low), math.log(high)
    se = (high - low) / (2 * Z95)
    return se if se > 0 else None


def _scale(effect: StudyEffect) -> float:
    return math.log(effect.value) if effect.measure.is_ratio else effect.value


def pool_effects(effects: Sequence[StudyEffect]) -> PooledEffect | None:
    """The random-effects pooled estimate of effects on one measure, or None when fewer
    than two usable effects (a CI to derive the SE from) share the first one's measure.

    Effects on another measure than the first are left out: MD and SMD, or RR and OR,
    are not pooled together.
    """
    if not effects:
        return None
    measure = effects[0].measure
    usable = [(e, se) for e in effects if e.measure is measure
              and (se := standard_error(e)) is not None
              and (not measure.is_ratio or e.value > 0)]
    if len(usable) < 2:
        return None
    # Imported here: statsmodels brings scipy and pandas (seconds at start-up), and only
    # pooling needs them.
    import numpy as np
    from statsmodels.stats.meta_analysis import combine_effects

    values = np.array([_scale(e) for e, _ in usable])
    variances = np.array([se * se for _, se in usable])
    # Q = 0 (identical effects) makes statsmodels divide by zero for I²; we compute I².
    with np.errstate(divide="ignore", invalid="ignore"):
        result = combine_effects(values, variances, method_re="pm")
    low, high = result.conf_int(use_t=False)[1]
    mean = float(result.mean_effect_re)
    q, df = float(result.q), float(result.df)
    i2 = max(0.0, (q - df) / q) if q > 0 else 0.0
    back = math.exp if measure.is_ratio else float
    return PooledEffect(measure, back(mean), back(float(low)), back(float(high)),
                        studies=len(usable), i_squared=i2, tau_squared=float(result.tau2),
                        method=METHOD)
