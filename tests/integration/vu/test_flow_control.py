"""Flows that branch and loop (check, if, repeat, for_each), call steps with results, and next_row:
exact counts on the demo target, in the metrics and in the group tree."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import metric, run_loadpy
from tests.integration.vu.helpers import build, run_vus, series

pytestmark = pytest.mark.timeout(60)


def test_check_if_repeat_and_for_each_counts(tmp_path: Path, demo_server: DemoServer) -> None:
    demo_server.reset()
    runtime, registry = build(
        tmp_path,
        """
        data:
          products: [{id: 1}, {id: 2}, {id: 3}]
        flows:
          default:
            - request: {method: POST, url: "${BASE}/login", json: {username: "u{{ vu }}"}}
              capture: {token: 'json["token"]'}
            - check:
                token captured: token == "token-u" + str(vu)
                odd vu: vu % 2 == 1
            - if: vu == 1
              then:
                - request: "${BASE}/items/1"
              else:
                - request: "${BASE}/items/2"
            - if: iter == 5
              then:
                - request: "${BASE}/items/5"
            - repeat: 2
              steps:
                - request: "${BASE}/status/200"
            - repeat: {count: "{{ vu }}", steps: [{request: "${BASE}/status/201"}]}
            - group: shop
              steps:
                - for_each: products
                  as: product
                  steps:
                    - request: "${BASE}/items/{{ product.id }}0"
                    - check: {"has product": product.id > 0}
            - check: {"last product": product.id == 3}
    """,
        env={"BASE": demo_server.base_url},
    )
    asyncio.run(run_vus(runtime, vus=2, iterations=2))
    paths = demo_server.stats()["paths"]
    assert paths == {
        "/login": 4,
        "/items/1": 2,
        "/items/2": 2,
        "/status/200": 8,
        "/status/201": 6,  # VU 1 once, VU 2 twice, per iteration
        "/items/10": 4,
        "/items/20": 4,
        "/items/30": 4,
    }
    checks = {tags: (s.trues, s.total) for tags, s in series(registry, "checks").items()}
    assert checks == {
        (("check", "token captured"), ("group", ""), ("scenario", "default")): (4, 4),
        (("check", "odd vu"), ("group", ""), ("scenario", "default")): (2, 4),
        (("check", "has product"), ("group", "::shop"), ("scenario", "default")): (12, 12),
        (("check", "last product"), ("group", ""), ("scenario", "default")): (4, 4),
    }
    root = registry.groups.root
    assert [(c.path, c.passes, c.fails) for c in root.checks.values()] == [
        ("::token captured", 4, 0),
        ("::odd vu", 2, 2),
        ("::last product", 4, 0),
    ]
    assert [(c.path, c.passes, c.fails) for c in root.groups["shop"].checks.values()] == [
        ("::shop::has product", 12, 0)
    ]


def test_call_step_result_checked_and_captured(tmp_path: Path, demo_server: DemoServer) -> None:
    demo_server.reset()
    (tmp_path / "shop_helpers.py").write_text(
        "def basket(vu):\n"
        "    return {'items': [vu.id, vu.id + 10], 'total': 2}\n"
        "async def coupon(vu):\n"
        "    return f'C-{vu.id}-{vu.iteration}'\n"
    )
    runtime, registry = build(
        tmp_path,
        """
        flows:
          default:
            - call: shop_helpers:basket
              capture: {basket: result}
              checks:
                two items: len(result["items"]) == result["total"]
            - call: shop_helpers:coupon
              capture: {code: result}
              checks:
                is vu 1: result.startswith("C-1-")
            - for_each: basket["items"]
              steps:
                - request: "${BASE}/items/{{ item }}-{{ code }}"
    """,
        env={"BASE": demo_server.base_url},
    )
    asyncio.run(run_vus(runtime, vus=2, iterations=2))
    assert demo_server.stats()["paths"] == {
        "/items/1-C-1-0": 1,
        "/items/11-C-1-0": 1,
        "/items/1-C-1-1": 1,
        "/items/11-C-1-1": 1,
        "/items/2-C-2-0": 1,
        "/items/12-C-2-0": 1,
        "/items/2-C-2-1": 1,
        "/items/12-C-2-1": 1,
    }
    checks = {tags[0][1]: (s.trues, s.total) for tags, s in series(registry, "checks").items()}
    assert checks == {"two items": (4, 4), "is vu 1": (2, 4)}


def test_next_row_uses_every_row_once_per_pass_across_vus(tmp_path: Path, demo_server: DemoServer) -> None:
    demo_server.reset()
    (tmp_path / "users.csv").write_text("id,name\n1,ann\n2,bob\n3,cid\n4,dee\n")
    scenario = tmp_path / "rows.yaml"
    scenario.write_text(
        """
options:
  scenarios:
    rows: {executor: shared-iterations, vus: 3, iterations: 12, maxDuration: 30s}
data:
  users: {file: users.csv}
flows:
  default:
    - request: "${BASE}/items/{{ next_row(users).id }}-{{ next_row(users).name }}"
    - check:
        same row all iteration: next_row(users) is users[iter_in_test % len(users)]
""".lstrip()
    )
    out = run_loadpy(tmp_path, scenario, "-e", f"BASE={demo_server.base_url}")
    assert out.code == 0, out.stderr
    assert out.export is not None
    assert metric(out.export, "iterations", "count") == 12
    assert metric(out.export, "checks", "passes") == 12
    # 12 iterations over 4 rows: three passes, each row exactly 3 times, fields of one row together
    assert demo_server.stats()["paths"] == {"/items/1-ann": 3, "/items/2-bob": 3, "/items/3-cid": 3, "/items/4-dee": 3}


def test_loop_errors_at_run_time_name_the_step(
    tmp_path: Path, demo_server: DemoServer, caplog: pytest.LogCaptureFixture
) -> None:
    demo_server.reset()
    runtime, registry = build(
        tmp_path,
        """
        flows:
          default:
            - request: "${BASE}/items/1"
            - if: vu == 1
              then:
                - repeat: "{{ 'many' }}"
                  steps: [{request: "${BASE}/items/2"}]
              else:
                - for_each: iter
                  steps: [{request: "${BASE}/items/3"}]
            - request: "${BASE}/items/4"
    """,
        env={"BASE": demo_server.base_url},
    )
    with caplog.at_level(logging.ERROR):
        asyncio.run(run_vus(runtime, vus=2, iterations=1))
    assert (
        "flows.default[1].then[0] (repeat, line 6): ValueError: repeat count must be a non-negative integer, got 'many'"
        in caplog.text
    )
    assert (
        "flows.default[1].else[0] (for_each, line 9): TypeError: for_each needs a list, tuple, mapping or range, "
        "got int" in caplog.text
    )
    # the failing iteration stops at the failing step, as any step error does
    assert demo_server.stats()["paths"] == {"/items/1": 2}
    assert series(registry, "iterations")[(("group", ""), ("scenario", "default"))].total == 2.0


def test_random_helpers_in_templates(tmp_path: Path, demo_server: DemoServer) -> None:
    runtime, registry = build(
        tmp_path,
        """
        data:
          users: [{name: ann}, {name: bob}]
        flows:
          default:
            - request:
                method: POST
                url: "${BASE}/echo"
                json:
                  n: "{{ random_int_between(1, 3) }}"
                  user: "{{ random_item(users).name }}"
                  s: "{{ random_string(8, 'xy') }}"
                  id: "{{ uuidv4() }}"
              capture: {sent: json}
            - check:
                int in range: sent["n"] in (1, 2, 3)
                item of the array: sent["user"] in ("ann", "bob")
                string of the charset: len(sent["s"]) == 8 and set(sent["s"]) <= {"x", "y"}
                uuid v4: len(sent["id"]) == 36 and sent["id"][14] == "4" and sent["id"][19] in "89ab"
    """,
        env={"BASE": demo_server.base_url},
    )
    asyncio.run(run_vus(runtime, vus=2, iterations=10))
    checks = {tags[0][1]: (s.trues, s.total) for tags, s in series(registry, "checks").items()}
    assert checks == {
        "int in range": (20, 20),
        "item of the array": (20, 20),
        "string of the charset": (20, 20),
        "uuid v4": (20, 20),
    }
