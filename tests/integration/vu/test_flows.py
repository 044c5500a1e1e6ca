"""YAML flows against the real demo target: exact counts, tags, groups, captures, templates."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from loadpy.metrics.groups import node_id
from tests.integration.vu.helpers import build, run_vus, series

pytestmark = pytest.mark.timeout(60)


def test_issue_example_counts_tags_and_groups(tmp_path: Path, demo_server: DemoServer) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "users.csv").write_text("id,name\n7,ann\n8,bob\n")
    runtime, registry = build(
        tmp_path,
        """
        env: {BASE_URL: "http://127.0.0.1:1"}
        data:
          users: {file: data/users.csv}
        flows:
          default:
            - request: {method: GET, url: "${BASE_URL}/items/{{ users[vu % len(users)].id }}", name: item}
              checks:
                status is 200: status == 200
                has name: json["name"] is not None
                is 404: status == 404
            - group: checkout
              steps:
                - request: {method: POST, url: "${BASE_URL}/echo", json: {id: 1}}
                  checks:
                    echoed: 'json == {"id": 1}'
    """,
        env={"BASE_URL": demo_server.base_url},
    )
    asyncio.run(run_vus(runtime, vus=2, iterations=3))
    base = demo_server.base_url
    reqs = series(registry, "http_reqs")
    item_tags = (
        ("expected_response", "true"),
        ("group", ""),
        ("method", "GET"),
        ("name", "item"),
        ("proto", "HTTP/1.1"),
        ("scenario", "default"),
        ("status", "200"),
        ("url", "item"),
    )
    echo_tags = (
        ("expected_response", "true"),
        ("group", "::checkout"),
        ("method", "POST"),
        ("name", f"{base}/echo"),
        ("proto", "HTTP/1.1"),
        ("scenario", "default"),
        ("status", "200"),
        ("url", f"{base}/echo"),
    )
    assert {tags: sink.total for tags, sink in reqs.items()} == {item_tags: 6.0, echo_tags: 6.0}
    failed = series(registry, "http_req_failed")
    assert {tags: (s.trues, s.total) for tags, s in failed.items()} == {item_tags: (0, 6), echo_tags: (0, 6)}
    checks = {tags: (s.trues, s.total) for tags, s in series(registry, "checks").items()}
    assert checks == {
        (("check", "status is 200"), ("group", ""), ("scenario", "default")): (6, 6),
        (("check", "has name"), ("group", ""), ("scenario", "default")): (6, 6),
        (("check", "is 404"), ("group", ""), ("scenario", "default")): (0, 6),
        (("check", "echoed"), ("group", "::checkout"), ("scenario", "default")): (6, 6),
    }
    root = registry.groups.root
    assert [(c.name, c.path, c.passes, c.fails) for c in root.checks.values()] == [
        ("status is 200", "::status is 200", 6, 0),
        ("has name", "::has name", 6, 0),
        ("is 404", "::is 404", 0, 6),
    ]
    group = root.groups["checkout"]
    assert (group.path, group.id) == ("::checkout", node_id("::checkout"))
    assert group.checks["echoed"].id == node_id("::checkout::echoed")
    durations = series(registry, "group_duration")
    assert [(tags, s.values(stats=("count",))["count"]) for tags, s in durations.items()] == [
        ((("group", "::checkout"), ("scenario", "default")), 6.0)
    ]
    iterations = series(registry, "iterations")
    assert {t: s.total for t, s in iterations.items()} == {(("group", ""), ("scenario", "default")): 6.0}
    sent = series(registry, "data_sent")[(("group", ""), ("scenario", "default"))].total
    assert sent > 12 * 60  # every request's bytes are counted (request line + headers alone exceed 60)


def test_captures_templates_and_setup_data(tmp_path: Path, demo_server: DemoServer) -> None:
    (tmp_path / "vu_helpers.py").write_text(
        "SEEN = []\n"
        "async def mutate(vu):\n"
        "    vu.setup_data['n'] += 1\n"
        "    SEEN.append((vu.id, vu.iteration, vu.setup_data['n'], vu.captures['text']))\n"
    )

    runtime, registry = build(
        tmp_path,
        """
        flows:
          setup:
            - request: {method: POST, url: "${BASE}/login", json: {username: admin}}
              capture:
                token: json["token"]
            - return: {token: "{{ token }}", n: 5}
          default:
            - request:
                method: POST
                url: "${BASE}/echo"
                json:
                  vu: "{{ vu }}"
                  iter: "{{ iter }}"
                  token: "{{ setup_data['token'] }}"
                  n: "{{ setup_data['n'] }}"
              capture: {echo: json}
            - request: {method: POST, url: "${BASE}/echo", body: "prev={{ echo['vu'] }}-{{ echo['iter'] }}"}
              capture:
                text: body
            - call: vu_helpers:mutate
    """,
        env={"BASE": demo_server.base_url},
    )

    async def main() -> tuple[object, list[tuple[int, int, int, str]]]:
        data = await runtime.setup()
        await run_vus(runtime, vus=2, iterations=2)
        import vu_helpers  # type: ignore[import-not-found]

        return data, vu_helpers.SEEN

    data, seen = asyncio.run(main())
    assert data == {"token": "token-admin", "n": 5}
    # each VU mutates its own copy of setup_data; the runtime's copy stays 5
    assert seen == [(1, 0, 6, "prev=1-0"), (1, 1, 7, "prev=1-1"), (2, 0, 6, "prev=2-0"), (2, 1, 7, "prev=2-1")]
    assert runtime.core.setup_copy() == {"token": "token-admin", "n": 5}
    setup_reqs = [t for t in series(registry, "http_reqs") if ("group", "::setup") in t]
    assert len(setup_reqs) == 1 and not any(k == "scenario" for k, _ in setup_reqs[0])
    assert json.loads(runtime.core.setup_json) == {"token": "token-admin", "n": 5}
