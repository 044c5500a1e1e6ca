"""Each case runs under k6 and under loadpy against the counting target; every disagreement is listed.

CONFORMANCE_K6_ONLY=1 runs only the k6 side and checks it against the documented k6 figures
(useful to validate a new case before loadpy supports it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conformance.cases import CASES
from tests.conformance.harness import check_k6, compare, run_case
from tests.conformance.model import Case
from tests.conformance.target import Target


def test_case_ids_are_unique_and_enough() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 30


K6_ONLY = os.environ.get("CONFORMANCE_K6_ONLY") == "1"


def _param(case: Case) -> object:
    """A case with a known loadpy difference must keep failing until it is fixed (strict xfail)."""
    if not case.known_difference or K6_ONLY:
        return pytest.param(case, id=case.id)
    return pytest.param(case, id=case.id, marks=pytest.mark.xfail(strict=True, reason=case.known_difference))


@pytest.mark.k6
@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_loadpy_matches_k6(case: Case, k6_bin: str, targets: tuple[Target, Target], tmp_path: Path) -> None:
    outcomes = run_case(case, k6_bin, targets, tmp_path, ("k6",) if K6_ONLY else ("k6", "loadpy"))
    k6 = outcomes["k6"]
    oracle = check_k6(case, k6)
    assert not oracle, (
        f"{case.id}: the k6 side does not behave as documented (harness or case bug):\n  "
        + "\n  ".join(oracle)
        + "\n"
        + k6.tail()
    )
    if K6_ONLY:
        return
    lp = outcomes["loadpy"]
    problems = compare(case, k6, lp)
    assert not problems, (
        f"{case.id} ({case.doc}): loadpy differs from k6:\n  "
        + "\n  ".join(problems)
        + "\n"
        + lp.tail()
        + "\n"
        + k6.tail()
    )
