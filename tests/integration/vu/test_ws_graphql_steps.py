"""graphql, ws and subscription steps (and the Python vu.ws / vu.graphql / vu.subscribe) against the
real demo target: exact counts, tags, check names, bytes."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from loadpy.config.options import Options
from loadpy.demo import DemoServer
from loadpy.metrics.registry import Registry
from loadpy.protocols.ws import run_ws_session
from tests.integration.vu.helpers import build, run_vus, series

pytestmark = pytest.mark.timeout(60)

WS_TAGS = (("group", ""), ("scenario", "default"), ("status", "101"), ("subproto", ""))


def totals(registry: Registry, metric: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {tags: sink.total for tags, sink in series(registry, metric).items()}


def counts(registry: Registry, metric: str) -> dict[tuple[tuple[str, str], ...], int]:
    """Samples per series of a Trend."""
    out = {}
    for tags, sink in series(registry, metric).items():
        sink.fold()
        out[tags] = sink.count
    return out


def check_counts(registry: Registry) -> dict[str, tuple[int, int]]:
    return {c.name: (c.passes, c.fails) for c in registry.groups.root.checks.values()}


# -- ws ---------------------------------------------------------------------------------
def test_ws_step_counts_tags_checks_and_bytes(tmp_path: Path, demo_server: DemoServer) -> None:
    url = f"{demo_server.ws_url}/ws"
    runtime, registry = build(
        tmp_path,
        f"""
        flows:
          default:
            - ws:
                url: {url}
                send: ["hello", "world"]
                receive: 2
                timeout: 5s
              checks:
                echoed: messages == ["hello", "world"]
                status 101: status == 101
              capture:
                first: messages[0]
            - log: "got {{{{ first }}}}"
    """,
    )
    asyncio.run(run_vus(runtime, vus=2, iterations=3))
    tags = tuple(sorted((*WS_TAGS, ("url", url))))
    assert totals(registry, "ws_sessions") == {tags: 6.0}
    assert totals(registry, "ws_msgs_sent") == {tags: 12.0}
    assert totals(registry, "ws_msgs_received") == {tags: 12.0}
    assert counts(registry, "ws_connecting") == {tags: 6}
    assert counts(registry, "ws_session_duration") == {tags: 6}
    assert series(registry, "ws_ping") == {}
    assert check_counts(registry) == {"echoed": (6, 0), "status 101": (6, 0)}
    # data_sent / data_received are the WebSocket bytes (no HTTP here): same as a session on its own
    alone = asyncio.run(run_ws_session(url, send=["hello", "world"], receive=2, timeout=5))
    assert totals(registry, "data_sent") == {(("group", ""), ("scenario", "default")): 6.0 * alone.bytes_sent}
    assert totals(registry, "data_received") == {(("group", ""), ("scenario", "default")): 6.0 * alone.bytes_received}


def test_ws_step_objects_are_sent_as_json_in_a_group_with_user_tags(tmp_path: Path, demo_server: DemoServer) -> None:
    url = f"{demo_server.ws_url}/ws"
    runtime, registry = build(
        tmp_path,
        f"""
        flows:
          default:
            - group: chat
              steps:
                - ws:
                    url: {url}
                    send: [{{n: "{{{{ vu }}}}", text: hi}}, 7]
                    receive: 2
                    timeout: 5s
                    tags: {{room: lobby}}
                  checks:
                    json echoed: 'messages == ["{{\\"n\\":1,\\"text\\":\\"hi\\"}}", "7"]'
    """,
        options=Options(system_tags=["group", "scenario", "status"]),
    )
    asyncio.run(run_vus(runtime, vus=1, iterations=2))
    tags = (("group", "::chat"), ("room", "lobby"), ("scenario", "default"), ("status", "101"))
    assert totals(registry, "ws_msgs_sent") == {tags: 4.0}
    assert totals(registry, "ws_sessions") == {tags: 2.0}
    chat = registry.groups.root.groups["chat"]
    assert {c.name: (c.passes, c.fails) for c in chat.checks.values()} == {"json echoed": (2, 0)}


def test_ws_step_timeout_and_refusal_are_reported_not_raised(
    tmp_path: Path, demo_server: DemoServer, caplog: pytest.LogCaptureFixture
) -> None:
    runtime, registry = build(
        tmp_path,
        f"""
        flows:
          default:
            - ws:
                url: {demo_server.ws_url}/ws
                send: [only]
                receive: 3
                timeout: 300ms
              checks:
                one came: messages == ["only"]
                timed out: error == "timeout after 1 of 3 messages"
            - ws:
                url: ws://127.0.0.1:1/ws
                receive: 1
                timeout: 2s
              checks:
                refused: status == 0 and error.startswith("dial tcp 127.0.0.1:1")
            - metric: {{name: after, value: 1}}
        metrics:
          after: counter
    """,
    )
    with caplog.at_level(logging.WARNING, logger="loadpy.vu"):
        asyncio.run(run_vus(runtime, vus=1, iterations=2))
    assert check_counts(registry) == {"one came": (2, 0), "timed out": (2, 0), "refused": (2, 0)}
    assert sum(totals(registry, "after").values()) == 2.0  # the iteration went on after both
    assert sum(totals(registry, "ws_sessions").values()) == 2.0  # the refused one never opened
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # once per VU and step
    assert warnings[0].startswith("flows.default[0] (ws, line 3): timeout after 1 of 3 messages")
    assert warnings[1].startswith("flows.default[1] (ws, line 11): dial tcp 127.0.0.1:1: connect: connection refused")


def test_ws_sessions_and_connecting_are_emitted_at_open_like_k6(tmp_path: Path, demo_server: DemoServer) -> None:
    (tmp_path / "wsflow.py").write_text(
        "async def talk(vu):\n"
        "    ws = await vu.ws(vu.env['WS'] + '/ws')\n"
        "    ws.send('a')\n"
        "    assert await ws.receive(5) == 'a'\n"
        "    await ws.close()\n"
    )
    runtime, registry = build(
        tmp_path,
        """
        flows:
          default:
            - call: wsflow:talk
    """,
        env={"WS": demo_server.ws_url},
    )
    seen: list[tuple[str, float]] = []
    registry.listeners.append(lambda metric, tags, value, when, meta: seen.append((metric.name, when)))
    asyncio.run(run_vus(runtime, vus=1, iterations=1))
    ws_names = [name for name, _ in seen if name.startswith("ws_")]
    assert ws_names == ["ws_sessions", "ws_connecting", "ws_msgs_sent", "ws_msgs_received", "ws_session_duration"]
    stamps = {name: when for name, when in seen}
    # k6 stamps the three session samples with the connection's start
    assert stamps["ws_sessions"] == stamps["ws_connecting"] == stamps["ws_session_duration"]
    assert stamps["ws_sessions"] < stamps["ws_msgs_sent"]


# -- graphql over HTTP ----------------------------------------------------------------------
def test_graphql_passing_and_erroring_queries_five_iterations(tmp_path: Path, demo_server: DemoServer) -> None:
    runtime, registry = build(
        tmp_path,
        f"""
        flows:
          default:
            - graphql:
                url: {demo_server.base_url}/graphql
                query: "query Hello {{ hello }}"
              checks:
                no errors: "'errors' not in json"
            - graphql:
                url: {demo_server.base_url}/graphql
                query: "query Boom {{ boom }}"
              checks:
                no errors: "'errors' not in json"
    """,
    )
    asyncio.run(run_vus(runtime, vus=1, iterations=5))
    assert check_counts(registry) == {"no errors": (5, 5)}  # no standard checks without `expect`
    url = f"{demo_server.base_url}/graphql"
    common = (
        ("expected_response", "true"),
        ("group", ""),
        ("method", "POST"),
        ("name", url),
        ("operation_type", "query"),
        ("proto", "HTTP/1.1"),
        ("scenario", "default"),
        ("status", "200"),
        ("url", url),
    )
    assert totals(registry, "http_reqs") == {
        tuple(sorted((*common, ("operation", "Hello")))): 5.0,
        tuple(sorted((*common, ("operation", "Boom")))): 5.0,
    }
    # errors in a 200 body are not http_req_failed (k6 C51)
    assert {s.trues for s in series(registry, "http_req_failed").values()} == {0}


def test_graphql_expect_checks_query_file_variables_and_captures(tmp_path: Path, demo_server: DemoServer) -> None:
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "user.graphql").write_text("query User($id: ID!) {\n  user(id: $id) { id name }\n}\n")
    runtime, registry = build(
        tmp_path,
        f"""
        flows:
          default:
            - graphql:
                url: {demo_server.base_url}/graphql
                query: {{file: queries/user.graphql}}
                variables: {{id: "{{{{ vu + 1 }}}}"}}
                operationName: User
                expect: [user.id, user.name]
                tags: {{team: a}}
              checks:
                is grace: json["data"]["user"]["name"] == "Grace"
              capture:
                uid: json["data"]["user"]["id"]
            - graphql:
                url: {demo_server.base_url}/graphql
                query: "{{ boom }}"
                expect: [boom]
            - metric: {{name: seen, value: "{{{{ int(uid) }}}}"}}
        metrics:
          seen: counter
    """,
    )
    asyncio.run(run_vus(runtime, vus=2, iterations=1))  # VU 1 asks for user 2 (Brian), VU 2 for user 3 (Grace)
    assert check_counts(registry) == {
        "User: status is 200": (2, 0),
        "User: valid JSON": (2, 0),
        "User: no GraphQL errors": (2, 0),
        "User: has data": (2, 0),
        "User: has data.user.id": (2, 0),
        "User: has data.user.name": (2, 0),
        "is grace": (1, 1),
        "graphql: status is 200": (2, 0),
        "graphql: valid JSON": (2, 0),
        "graphql: no GraphQL errors": (0, 2),
        "graphql: has data": (0, 2),
        "graphql: has data.boom": (0, 2),
    }
    assert sum(totals(registry, "seen").values()) == 5.0  # captured ids 2 + 3
    user_series = [dict(t) for t in totals(registry, "http_reqs") if dict(t).get("operation") == "User"]
    assert [(t["operation_type"], t["team"]) for t in user_series] == [("query", "a")]
    anonymous = [dict(t) for t in totals(registry, "http_reqs") if "operation" not in dict(t)]
    assert [t["operation_type"] for t in anonymous] == ["query"]


def test_graphql_mutation_through_python(tmp_path: Path, demo_server: DemoServer) -> None:
    (tmp_path / "gql.py").write_text(
        "async def post(vu):\n"
        "    r = await vu.graphql(vu.env['BASE'] + '/graphql',\n"
        "        'mutation Post($t: String!) { addMessage(content: $t) { content } }', {'t': 'hi'},\n"
        "        operation_name='Post')\n"
        "    vu.check(r, {'stored': lambda r: r.json()['data']['addMessage']['content'] == 'hi'})\n"
    )
    runtime, registry = build(
        tmp_path,
        """
        flows:
          default:
            - call: gql:post
    """,
        env={"BASE": demo_server.base_url},
    )
    asyncio.run(run_vus(runtime, vus=1, iterations=3))
    assert check_counts(registry) == {"stored": (3, 0)}
    assert [(dict(t)["operation"], dict(t)["operation_type"], n) for t, n in totals(registry, "http_reqs").items()] == [
        ("Post", "mutation", 3.0)
    ]


# -- subscriptions --------------------------------------------------------------------------
@pytest.mark.parametrize(("protocol", "sent_per_session"), [("graphql-transport-ws", 3), ("graphql-ws", 4)])
def test_subscription_step_four_sessions_three_events(
    tmp_path: Path, demo_server: DemoServer, protocol: str, sent_per_session: int
) -> None:
    url = f"{demo_server.ws_url}/graphql"
    runtime, registry = build(
        tmp_path,
        f"""
        flows:
          default:
            - subscription:
                url: {url}
                protocol: {protocol}
                query: "subscription Ticks {{ tick(count: 3, interval: 10) }}"
                take: 3
                timeout: 5s
              checks:
                three events: "[e['data']['tick'] for e in events] == [0, 1, 2]"
                no errors: not errors and error == ""
    """,
    )
    asyncio.run(run_vus(runtime, vus=4, iterations=1))
    tags = (("group", ""), ("scenario", "default"), ("status", "101"), ("subproto", protocol), ("url", url))
    assert totals(registry, "ws_sessions") == {tags: 4.0}
    # init + subscribe/start + the cancel after `take` (+ connection_terminate on graphql-ws)
    assert totals(registry, "ws_msgs_sent") == {tags: 4.0 * sent_per_session}
    assert check_counts(registry) == {"three events": (4, 0), "no errors": (4, 0)}
    op_tags = tuple(sorted((*tags, ("operation", "Ticks"))))
    assert totals(registry, "graphql_subscription_events") == {op_tags: 12.0}
    assert counts(registry, "graphql_subscription_first_event") == {op_tags: 4}
    assert counts(registry, "graphql_subscription_event_gap") == {op_tags: 8}


def test_python_ws_session_and_subscription(tmp_path: Path, demo_server: DemoServer) -> None:
    (tmp_path / "live.py").write_text(
        "async def run(vu):\n"
        "    ws = await vu.ws(vu.env['WS'] + '/ws', tags={'kind': 'raw'})\n"
        "    ws.send('x')\n"
        "    ws.send(b'\\x00\\x01')\n"
        "    ws.ping()\n"
        "    got = [await ws.receive(5), await ws.receive(5)]\n"
        "    vu.check(got, {'echo': lambda g: g == ['x', b'\\x00\\x01']})\n"
        "    vu.check(await ws.receive(0.05), {'nothing more': lambda m: m is None})\n"
        "    left_open = await vu.ws(vu.env['WS'] + '/ws')\n"
        "    left_open.send('bye')\n"
        "    sub = await vu.subscribe(vu.env['WS'] + '/graphql', 'subscription { countdown(from: 2, interval: 5) }',\n"
        "                             protocol='graphql-ws', take=2)\n"
        "    vu.check(sub, {'counted': lambda s: [e['data']['countdown'] for e in s.events] == [2, 1]})\n"
    )
    runtime, registry = build(
        tmp_path,
        """
        flows:
          default:
            - call: live:run
    """,
        env={"WS": demo_server.ws_url},
    )
    asyncio.run(run_vus(runtime, vus=1, iterations=2))
    assert check_counts(registry) == {"echo": (2, 0), "nothing more": (2, 0), "counted": (2, 0)}
    sessions = {dict(t).get("kind", dict(t)["subproto"]): v for t, v in totals(registry, "ws_sessions").items()}
    assert sessions == {"raw": 2.0, "": 2.0, "graphql-ws": 2.0}
    # the session left open was closed (and its duration recorded) at the end of the iteration
    assert sum(counts(registry, "ws_session_duration").values()) == 6
    sent = {dict(t).get("kind", dict(t)["subproto"]): v for t, v in totals(registry, "ws_msgs_sent").items()}
    assert sent == {"raw": 4.0, "": 2.0, "graphql-ws": 8.0}  # pings are not messages
    assert sum(counts(registry, "ws_ping").values()) == 2
