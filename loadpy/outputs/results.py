"""The end-of-run verdicts the JUnit and GitHub summary writers take (the summary model's own classes,
loadpy.summary.results), and their masking before a report renders them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from loadpy.summary.results import CheckResult, ThresholdResult

if TYPE_CHECKING:
    from loadpy.secrets import Masker

__all__ = ["CheckResult", "ThresholdResult", "mask_results"]


def mask_results(
    thresholds: Sequence[ThresholdResult], checks: Sequence[CheckResult], masker: Masker
) -> tuple[list[ThresholdResult], list[CheckResult]]:
    """The results with every secret masked in their text, before any report renders (and escapes) it.

    `observed` is left alone: it is a statistic's name and a number ("p(95)=1.49ms"), never user text.
    """
    m = masker.mask
    return (
        [replace(t, metric=masker.mask_key(t.metric), source=masker.mask_key(t.source)) for t in thresholds],
        [replace(c, name=m(c.name), path=m(c.path)) for c in checks],
    )
