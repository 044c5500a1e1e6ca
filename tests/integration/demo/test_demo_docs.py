"""The demo target's documentation is the code's: `loadpy demo --help` and the README list exactly the
routes the router serves, every documented HTTP endpoint answers (not 404), and the printed schema names every
type and field the executor knows."""

from __future__ import annotations

import http.client
import re
import subprocess

from loadpy.demo import DemoServer
from loadpy.demo.graphql_schema import _TYPES, SCHEMA_SDL
from loadpy.demo.routes import ENDPOINTS
from tests.integration.cli.helpers import REPO_ROOT, loadpy_cmd, subprocess_env

BODIES = {"/login": b'{"username": "u"}', "/echo": b"x", "/graphql": b'{"query": "{ hello }"}'}
SAMPLE = {"{id}": "7", "{code}": "418", "{ms}": "1", "{n}": "2", "?k=v": "?k=v"}


def concrete(path: str) -> str:
    for placeholder, value in SAMPLE.items():
        path = path.replace(placeholder, value)
    return path


def test_help_lists_every_endpoint_and_the_schema() -> None:
    proc = subprocess.run(
        loadpy_cmd("demo", "--help"), capture_output=True, text=True, timeout=30, env=subprocess_env()
    )
    assert proc.returncode == 0, proc.stderr
    for method, path, _ in ENDPOINTS:
        assert re.search(rf"^  {method} {re.escape(path)} ", proc.stdout, re.MULTILINE), (method, path)
    assert SCHEMA_SDL.splitlines()[1].strip() in proc.stdout


def test_readme_table_is_the_endpoint_list() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (GET|POST|WS) \| `([^`]+)` \|", readme, re.MULTILINE)
    assert rows == [(method, path) for method, path, _ in ENDPOINTS]


def test_every_documented_http_endpoint_answers(demo_server: DemoServer) -> None:
    for method, path, _ in ENDPOINTS:
        if method == "WS":
            continue
        conn = http.client.HTTPConnection("127.0.0.1", demo_server.port, timeout=10)
        try:
            body = BODIES.get(path) if method == "POST" else None
            conn.request(method, concrete(path), body=body)
            resp = conn.getresponse()
            resp.read()
        finally:
            conn.close()
        expected = 418 if "{code}" in path else (302 if "redirect" in path else 200)
        assert resp.status == expected, (method, path, resp.status)


def test_schema_text_names_every_type_and_field() -> None:
    for type_name, fields in _TYPES.items():
        block = re.search(rf"type {type_name} \{{(.*?)\}}", SCHEMA_SDL, re.DOTALL)
        assert block is not None, type_name
        declared = re.sub(r"#.*", "", block.group(1))  # comments may say anything
        assert set(re.findall(r"(\w+)(?:\(.*?\))?: ", declared)) == set(fields), type_name
