"""TypeScript scripts: types erased in place (lines and columns kept), unsupported syntax refused with file:line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from loadpy.errors import ScriptError
from loadpy.js.engine import JsContext, compile_program
from loadpy.js.host import Host, Shared
from loadpy.js.typescript import strip_types

TS = textwrap.dedent("""
    import type { Options } from "k6/options";
    interface Item { id: string; name?: string }
    type Id = string | number;
    export const options: Options = { vus: 1 };
    function first<T>(items: T[], fallback?: T): T | undefined { return items.length ? items[0] as T : fallback; }
    class Box<T> implements Object {
      private value: number = 2;
      readonly label!: string;
      public twice(): number { return this.value * 2; }
    }
    export default function (): string {
      const item: Item = { id: "x" };
      const n = first<Id>([1, 2])!;
      return `${item.id}${n}${new Box<string>().twice()}${({ a: 1 } satisfies object).a}`;
    }
""").lstrip()


def test_types_are_erased_keeping_every_line_and_column() -> None:
    out = strip_types(TS.encode(), "t.ts").decode()
    assert len(out.splitlines()) == len(TS.splitlines())
    for before, after in zip(TS.splitlines(), out.splitlines(), strict=True):
        assert len(before) == len(after)
    assert "function first   (items     , fallback    )     " in out
    assert "interface" not in out and "Options" not in out.split("=")[0]


def test_a_typescript_script_runs(tmp_path: Path) -> None:
    path = tmp_path / "t.ts"
    path.write_text(TS, encoding="utf-8")
    context = JsContext(compile_program(str(path)), Host(Shared()), {}, 0)
    assert context.options() == {"vus": 1}
    assert context.call("default", 0, False) == '"x141"'


@pytest.mark.parametrize(
    ("code", "line", "what"),
    [
        ("\n\nenum Color { Red }\n", 3, "enums"),
        ("class A {\n  constructor(private x: number) {}\n}\n", 2, "constructor parameter properties"),
        ("namespace N { export const a = 1; }\n", 1, "namespaces"),
    ],
)
def test_syntax_that_needs_code_generation_is_refused_with_its_line(code: str, line: int, what: str) -> None:
    with pytest.raises(ScriptError, match=rf"^t\.ts:{line}: TypeScript {what} are not supported"):
        strip_types(code.encode(), "t.ts")
