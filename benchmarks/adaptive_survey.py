"""Instructions of the YAML closed loop that stayed generic (unspecialised) after a warm run.

    PYTHONPATH=<tree> python benchmarks/adaptive_survey.py --requests 2000

CPython 3.11 rewrites a hot instruction into a form specialised for what it met (an instance slot, a
module global, a Python function call); one that met something it cannot specialise stays
`*_ADAPTIVE` and runs the generic lookup every time. This runs `hot_floor.py`'s in-process workload
untraced, snapshots every loadpy code object's quickened instructions, then counts under
`sys.settrace` (which runs every instruction in its generic form) which instructions run per request
(R and 2R requests, the difference over R), and lists those run at least once per request that are
still adaptive. A CALL after a PRECALL specialised for a C callable is left out: that PRECALL makes
the call itself.
"""

from __future__ import annotations

import argparse
import dis
import gc
import sys
import tempfile
from collections import Counter
from pathlib import Path
from types import CodeType, FunctionType

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bytecode_count
import hot_floor

C_PRECALLS = ("PRECALL_BUILTIN", "PRECALL_NO_KW", "PRECALL_METHOD_DESCRIPTOR")


def loadpy_codes() -> list[CodeType]:
    """Every code object of a live loadpy function (nested ones included)."""
    found: list[CodeType] = []
    stack = [f.__code__ for f in gc.get_objects() if isinstance(f, FunctionType)]
    seen: set[int] = set()
    while stack:
        code = stack.pop()
        if id(code) in seen or "/loadpy/" not in code.co_filename:
            continue
        seen.add(id(code))
        found.append(code)
        stack.extend(c for c in code.co_consts if isinstance(c, CodeType))
    return found


def adaptive_forms(codes: list[CodeType]) -> dict[tuple[CodeType, int], tuple[str, str, int | None]]:
    """(code, offset) -> (quickened opname, argument, line) of every still-adaptive instruction."""
    forms = {}
    for code in codes:
        previous = ""
        for ins in dis.get_instructions(code, adaptive=True):
            # a PRECALL specialised for a C callable makes the call itself: its CALL never runs
            skipped = ins.opname == "CALL_ADAPTIVE" and previous.startswith(C_PRECALLS)
            if ins.opname.endswith("_ADAPTIVE") and not skipped:
                forms[code, ins.offset] = (ins.opname, ins.argrepr, ins.positions.lineno if ins.positions else None)
            previous = ins.opname
    return forms


def executed(requests: int) -> Counter[tuple[CodeType, int]]:
    """How often each (code, offset) of loadpy ran in a run of 50 VUs + `requests`."""
    return bytecode_count.count(
        requests, lambda frame: (frame.f_code, frame.f_lasti) if "/loadpy/" in frame.f_code.co_filename else None
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    args = ap.parse_args()
    hot_floor.patch_connect()
    warm = Path(tempfile.mkdtemp(prefix="loadpy-adaptive-")) / "warm.yaml"
    warm.write_text(hot_floor.scenario(50, 50 + 5 * args.requests))
    hot_floor.run_once(warm)
    forms = adaptive_forms(loadpy_codes())
    r = args.requests
    small, large = executed(r), executed(2 * r)
    rows = []
    for key, (opname, argrepr, line) in forms.items():
        per_request = (large[key] - small[key]) / r
        if per_request >= 0.9:
            code = key[0]
            rows.append((per_request, f"{Path(code.co_filename).name}:{line} {code.co_name}", opname, argrepr))
    for per_request, where, opname, argrepr in sorted(rows, key=lambda row: -row[0]):
        print(f"{per_request:6.2f}  {where:55} {opname} {argrepr}")
    print(f"{sum(row[0] for row in rows):6.2f}  adaptive instructions per request in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
