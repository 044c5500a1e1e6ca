"""__ENV without the process environment (`--include-system-env-vars=false`): only the file's defaults and
`-e` values, in k6 scripts and in loadpy's YAML alike."""

from __future__ import annotations

from typing import Any

from tests.conformance.model import Case, Expect, served


def exact(label: str, getter: Any, value: float) -> Expect:
    return Expect(label, getter, lo=value, hi=value)


def get(path: str) -> dict[str, Any]:
    return {"request": {"method": "GET", "url": "${BASE_URL}" + path}}


JSFID: list[Case] = [
    Case(
        "env_without_system_vars",
        "--include-system-env-vars=false: the OS environment is not in __ENV; -e and the file's defaults are",
        {"default": [get("/items/${FROM_OS}"), get("/items/${FROM_CLI}")]},
        {"iterations": 1},
        env={"FROM_OS": "file", "FROM_CLI": "file"},
        os_env={"FROM_OS": "os", "FROM_CLI": "os"},
        args=("--include-system-env-vars=false", "-e", "FROM_CLI=cli"),
        expect=(
            exact("served file", served("/items/file"), 1),
            exact("served cli", served("/items/cli"), 1),
            exact("served os", served("/items/os"), 0),
        ),
    ),
]
