"""Every conformance case again, with loadpy running the k6 script itself (`loadpy run case.js`).

Same oracle, same tolerances as test_conformance.py; cases the JavaScript front end cannot run yet
are strict xfails listed in JS_KNOWN with the reason (they fail loudly once fixed). A timing race is never
an xfail (its verdict would flip with machine load): the case compares only what k6 guarantees instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.cases import CASES
from tests.conformance.harness import check_k6, compare, run_case
from tests.conformance.model import Case
from tests.conformance.target import Target

# case id -> why loadpy's JavaScript front end differs from k6 there
JS_KNOWN: dict[str, str] = {}


def _param(case: Case) -> object:
    reason = JS_KNOWN.get(case.id) or case.known_difference
    if not reason:
        return pytest.param(case, id=case.id)
    return pytest.param(case, id=case.id, marks=pytest.mark.xfail(strict=True, reason=reason))


def test_known_differences_name_real_cases() -> None:
    assert set(JS_KNOWN) <= {c.id for c in CASES}


@pytest.mark.k6
@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_js_script_matches_k6(case: Case, k6_bin: str, targets: tuple[Target, Target], tmp_path: Path) -> None:
    outcomes = run_case(case, k6_bin, targets, tmp_path, ("k6", "js"))
    k6 = outcomes["k6"]
    oracle = check_k6(case, k6)
    assert not oracle, (
        f"{case.id}: the k6 side does not behave as documented (harness or case bug):\n  "
        + "\n  ".join(oracle)
        + "\n"
        + k6.tail()
    )
    js = outcomes["js"]
    problems = compare(case, k6, js)
    assert not problems, (
        f"{case.id} ({case.doc}): `loadpy run case.js` differs from k6:\n  "
        + "\n  ".join(problems)
        + "\n"
        + js.tail()
        + "\n"
        + k6.tail()
    )
