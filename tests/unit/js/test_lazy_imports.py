"""A JavaScript run's fixed memory: libraries only some scripts need are loaded by the first use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("websockets", "selectolax", "tree_sitter_typescript", "loadpy.protocols.ws")

PROBE = """
import json, sys
from loadpy.js.bridge import JsRuntime
from loadpy.js.engine import JsContext, compile_program
from loadpy.js.host import Host, Shared
import loadpy.cli.main
context = JsContext(compile_program(sys.argv[1]), Host(Shared()), {}, 0)
before = sorted(m for m in sys.modules if m.startswith(tuple(json.loads(sys.argv[2]))))
context.call("default", 0, False)
after = sorted(m for m in sys.modules if m.startswith(tuple(json.loads(sys.argv[2]))))
print(json.dumps([before, after]))
"""


def loaded(script: Path) -> list[list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(script), json.dumps(HEAVY)], capture_output=True, text=True, check=True
    )
    return list(json.loads(out.stdout))


def test_a_plain_script_loads_no_websocket_html_or_typescript_library(tmp_path: Path) -> None:
    script = tmp_path / "plain.js"
    script.write_text("import http from 'k6/http';\nexport default function () { return 1; }\n")
    assert loaded(script) == [[], []]


def test_parse_html_loads_its_parser_on_first_use(tmp_path: Path) -> None:
    script = tmp_path / "html.js"
    script.write_text(
        "import { parseHTML } from 'k6/html';\n"
        "export default function () { return parseHTML('<p>hi</p>').find('p').text(); }\n"
    )
    before, after = loaded(script)
    assert before == []
    assert "selectolax" in after and "websockets" not in after
