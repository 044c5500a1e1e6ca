"""The k6lib functions in YAML `{{ }}` templates: what the demo target received, and checks using them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.vu.helpers import build, run_vus, series

pytestmark = pytest.mark.timeout(60)


def test_helpers_reach_the_target_and_checks(tmp_path: Path, demo_server: DemoServer) -> None:
    runtime, registry = build(
        tmp_path,
        """
        flows:
          default:
            - request:
                method: POST
                url: "${BASE_URL}/echo"
                json:
                  auth: "{{ b64encode('user:pass') }}"
                  sig: "{{ hmac('sha256', 'key', 'data', 'hex') }}"
                  digest: "{{ md5('abc', 'hex') }}"
                  pick: "{{ random_int_between(3, 3) }}"
                  id: "{{ uuidv4() }}"
              checks:
                auth: json["auth"] == "dXNlcjpwYXNz"
                sig: json["sig"] == "5031fe3d989c6d1537a013fa6e739da23463fdaec3b70137d828e36ace221bd0"
                digest: json["digest"] == "900150983cd24fb0d6963f7d28e17f72"
                pick: json["pick"] == 3
                uuid: len(json["id"]) == 36 and json["id"][14] == "4"
                html: parse_html('<ul><li>a</li><li id=b>b</li></ul>').find('li').last().attr('id') == 'b'
                between: >-
                  find_between(body, '"auth":"', '"') == "dXNlcjpwYXNz"
    """,
        env={"BASE_URL": demo_server.base_url},
    )
    asyncio.run(run_vus(runtime, vus=1, iterations=2))
    checks = {dict(tags)["check"]: (s.trues, s.total) for tags, s in series(registry, "checks").items()}
    assert checks == {name: (2, 2) for name in ("auth", "sig", "digest", "pick", "uuid", "html", "between")}


def test_a_data_array_hides_a_helper_of_the_same_name(tmp_path: Path, demo_server: DemoServer) -> None:
    (tmp_path / "md5.csv").write_text("v\nx\n")
    runtime, registry = build(
        tmp_path,
        """
        data:
          md5: {file: md5.csv}
        flows:
          default:
            - request: {url: "${BASE_URL}/json"}
              checks:
                data wins: md5[0].v == "x"
    """,
        env={"BASE_URL": demo_server.base_url},
    )
    asyncio.run(run_vus(runtime, vus=1, iterations=1))
    checks = {dict(tags)["check"]: (s.trues, s.total) for tags, s in series(registry, "checks").items()}
    assert checks == {"data wins": (1, 1)}


def test_a_mapping_body_is_form_encoded_as_k6_does(tmp_path: Path, demo_server: DemoServer) -> None:
    """Sorted keys, arrays as repeated keys, booleans and null as Go prints them (the demo echoes the body)."""
    runtime, registry = build(
        tmp_path,
        """
        flows:
          default:
            - request:
                method: POST
                url: "${BASE_URL}/echo"
                body: {b: true, a: [x, "y z"], n: null, f: 1.5, "é": "&"}
              checks:
                form: body == "a=x&a=y+z&b=true&f=1.5&n=%3Cnil%3E&%C3%A9=%26"
                type: headers["Content-Type"] == "application/x-www-form-urlencoded"
    """,
        env={"BASE_URL": demo_server.base_url},
    )
    asyncio.run(run_vus(runtime, vus=1, iterations=1))
    checks = {dict(tags)["check"]: (s.trues, s.total) for tags, s in series(registry, "checks").items()}
    assert checks == {"form": (1, 1), "type": (1, 1)}


def test_the_example_in_the_docs_runs(tmp_path: Path, demo_server: DemoServer) -> None:
    doc = (Path(__file__).parents[3] / "docs" / "k6-modules.md").read_text()
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    runtime, registry = build(tmp_path, example, env={"BASE_URL": demo_server.base_url})
    asyncio.run(run_vus(runtime, vus=1, iterations=2))
    checks = {dict(tags)["check"]: (s.trues, s.total) for tags, s in series(registry, "checks").items()}
    assert checks == {"one token field": (2, 2), "token is a uuid": (2, 2)}
