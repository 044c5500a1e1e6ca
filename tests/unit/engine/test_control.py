"""The REST control API (k6 /v1/status) against a real loopback server (C47)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from loadpy.clock import now
from loadpy.engine.control import ApiStartError, handle, parse_address
from loadpy.engine.scheduler import Engine
from loadpy.errors import ExitCode
from tests.unit.engine.fakes import FakeRuntime, counter, run, scenario, until


async def request(address: str, method: str, body: Any = None) -> tuple[int, Any]:
    host, port = address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    payload = b"" if body is None else json.dumps(body).encode()
    writer.write(
        f"{method} /v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n".encode()
        + payload
    )
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, content = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(content)


def attrs(doc: Any) -> dict[str, Any]:
    assert doc["data"]["type"] == "status" and doc["data"]["id"] == "default"
    return doc["data"]["attributes"]  # type: ignore[no-any-return]


def externally_controlled(rt: FakeRuntime, **kw: Any) -> Engine:
    return Engine(
        scenarios={"e": scenario("e", executor="externally-controlled", vus=1, maxVUs=5, duration="6s")},
        runtime=rt,
        registry=rt.registry,
        control_address="127.0.0.1:0",
        **kw,
    )


def test_c47_status_updates_pause_and_stop() -> None:
    rt = FakeRuntime(sleep=0.05)
    engine = externally_controlled(rt)
    seen: list[tuple[int, Any]] = []

    async def drive() -> None:
        await until(lambda: engine.api_address is not None and len(rt.calls) >= 1)
        assert engine.api_address is not None
        seen.append(await request(engine.api_address, "GET"))
        seen.append(
            await request(
                engine.api_address, "PATCH", {"data": {"type": "status", "id": "default", "attributes": {"vus": 3}}}
            )
        )
        seen.append(await request(engine.api_address, "PATCH", {"data": {"attributes": {"vus": 9}}}))
        seen.append(await request(engine.api_address, "PATCH", {"data": {"attributes": {"vus-max": 8, "vus": 6}}}))
        await until(lambda: {c.vu for c in rt.calls} == set(range(1, 7)))  # the 3 new VUs have started
        seen.append(await request(engine.api_address, "PATCH", {"data": {"attributes": {"paused": True}}}))
        seen.append(await request(engine.api_address, "PATCH", {"data": {"attributes": {"stopped": True}}}))

    async def main() -> Any:
        driver = asyncio.ensure_future(drive())
        result = await engine.run()
        await driver
        return result

    result = run(main())
    assert result.exit_code is ExitCode.STOPPED_BY_API and result.test_run_duration_s < 3
    (s0, get), (s1, three), (s2, bad), (s3, six), (s4, paused), (s5, stopped) = seen
    assert s0 == 200 and attrs(get) == {
        "status": 7,
        "paused": False,
        "vus": 1,
        "vus-max": 5,
        "stopped": False,
        "running": True,
        "tainted": False,
    }
    assert s1 == 200 and attrs(three)["vus"] == 3
    assert s2 == 400 and bad == {
        "errors": [
            {
                "status": "400",
                "title": "Config update error",
                "detail": "invalid configuration supplied: the number of active VUs (9) must be less than or equal "
                "to the number of maxVUs (5)",
            }
        ]
    }
    assert s3 == 200 and (attrs(six)["vus"], attrs(six)["vus-max"]) == (6, 8)
    assert s4 == 200 and (attrs(paused)["vus"], attrs(paused)["paused"]) == (0, True)
    assert s5 == 200 and attrs(stopped)["stopped"] is True
    assert len(rt.vus) == 8 and {c.vu for c in rt.calls} == set(range(1, 7))


def test_paused_start_waits_for_resume() -> None:
    rt = FakeRuntime(sleep=0.05)
    engine = Engine(
        scenarios={"default": scenario(executor="per-vu-iterations")},
        runtime=rt,
        registry=rt.registry,
        paused=True,
        control_address="127.0.0.1:0",
    )
    seen: list[Any] = []

    async def drive() -> None:
        await until(lambda: engine.api_address is not None)
        await asyncio.sleep(0.2)  # time for an iteration to start, were the pause not honoured
        assert engine.api_address is not None
        seen.append((len(rt.calls), attrs((await request(engine.api_address, "GET"))[1])["status"]))
        await request(engine.api_address, "PATCH", {"data": {"attributes": {"paused": False}}})

    async def main() -> Any:
        driver = asyncio.ensure_future(drive())
        result = await engine.run()
        await driver
        return result

    assert run(main()).exit_code is ExitCode.OK
    assert seen == [(0, 4)] and len(rt.completed_calls()) == 1


@pytest.mark.slow
def test_pausing_a_non_pausable_executor_and_bad_requests() -> None:
    rt = FakeRuntime(sleep=0.05)
    engine = Engine(
        scenarios={"default": scenario(executor="constant-vus", duration="1s")},
        runtime=rt,
        registry=rt.registry,
    )
    out: list[Any] = []

    async def drive() -> None:
        await asyncio.sleep(0.2)
        out.append(await handle(engine, "PATCH", "/v1/status", b'{"data":{"attributes":{"paused":true}}}'))
        out.append(await handle(engine, "PATCH", "/v1/status", b'{"data":{"attributes":{"vus":2}}}'))
        out.append(await handle(engine, "PATCH", "/v1/status", b"{not json"))
        out.append(await handle(engine, "GET", "/v1/nope", b""))

    async def main() -> None:
        driver = asyncio.ensure_future(drive())
        await engine.run()
        await driver

    run(main())
    (p_status, p_doc), (v_status, v_doc), (j_status, j_doc), (n_status, _) = out
    assert p_status == 500 and p_doc["errors"][0] == {
        "status": "500",
        "title": "Pause error",
        "detail": "constant-vus executor 'default' doesn't support pause and resume operations after its start",
    }
    assert v_status == 500 and v_doc["errors"][0]["detail"] == (
        "a externally-controlled executor needs to be configured for live configuration updates"
    )
    assert j_status == 400 and j_doc["errors"][0]["title"] == "Invalid data"
    assert n_status == 404


def test_addresses() -> None:
    assert parse_address("localhost:6565") == ("localhost", 6565)
    assert parse_address("[::1]:6565") == ("::1", 6565)
    assert parse_address(":0") == ("127.0.0.1", 0)  # loopback, where Go would take every interface
    # the words k6 v1.1.0 logs (error="…") before it exits 106
    for address, message in (
        ("nope", "listen tcp: address nope: missing port in address"),
        ("localhost:99999", "listen tcp: address 99999: invalid port"),
        ("localhost:http", "listen tcp: address http: invalid port"),
        ("::1:6565", "listen tcp: address ::1:6565: too many colons in address"),
    ):
        with pytest.raises(ApiStartError) as refused:
            parse_address(address)
        assert str(refused.value) == message and refused.value.exit_code == 106

    async def busy() -> None:
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        rt = FakeRuntime()
        engine = Engine(
            scenarios={"default": scenario(executor="per-vu-iterations")},
            runtime=rt,
            registry=rt.registry,
            control_address=f"127.0.0.1:{port}",
        )
        try:
            with pytest.raises(ApiStartError) as info:
                await engine.run()
            assert info.value.exit_code is ExitCode.CANNOT_START_API
        finally:
            server.close()

    run(busy())


def test_a_busy_default_address_only_warns(caplog: Any) -> None:
    async def busy() -> None:
        try:
            server = await asyncio.start_server(lambda r, w: None, "localhost", 6565)
        except OSError:
            server = None  # something else already holds the default port: just as busy
        rt = FakeRuntime()
        engine = Engine(
            scenarios={"default": scenario(executor="per-vu-iterations")},
            runtime=rt,
            registry=rt.registry,
            control_address="localhost:6565",
        )
        try:
            result = await engine.run()
        finally:
            if server is not None:
                server.close()
        assert result.exit_code is ExitCode.OK and len(rt.completed_calls()) == 1
        assert engine.api_address is None

    run(busy())
    warning = next(r for r in caplog.records if r.getMessage() == "Error from API server")
    assert warning.levelname == "WARNING"
    assert str(getattr(warning, "error", "")).startswith("listen tcp localhost:6565: bind: ")


async def get(address: str, path: str, method: str = "GET") -> tuple[int, Any]:
    host, port = address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, content = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(content)


def test_metrics_and_groups_in_k6_json_api_shape() -> None:
    rt = FakeRuntime(sleep=0.05)
    reg = rt.registry
    reg.add(reg.define("my_counter", "counter"), (), 3.0)
    trend = reg.define("my_trend", "trend", "time")
    for value in (1.0, 2.0, 3.0):
        reg.add(trend, (("name", "a"),), value)
    reg.add(trend, (("name", "b"),), 6.0)  # series are merged
    reg.add(reg.define("my_rate", "rate"), (), 1.0)
    reg.add(reg.define("my_rate", "rate"), (), 0.0)
    reg.add(reg.define("my_gauge", "gauge"), (), 5.0)
    reg.define("never_sampled", "trend")
    check = reg.groups.root.group("g1").check("ok")
    check.passes, check.fails = 4, 1
    engine = externally_controlled(rt)
    seen: dict[str, tuple[int, Any]] = {}

    counter_asked: list[float] = []  # the run's age (engine clock) just before and just after the counter GET

    async def drive() -> None:
        # a condition, not a fixed sleep: under load the run may take long to start its first iteration
        await until(lambda: engine.api_address is not None and counter(reg, "iterations") >= 1)
        address = engine.api_address
        assert address is not None and engine.started_at is not None
        for path in (
            "/v1/metrics", "/v1/metrics/my_trend", "/v1/metrics/my_counter", "/v1/metrics/never_sampled",
            "/v1/groups", f"/v1/groups/{reg.groups.root.id}", "/v1/groups/nope",
        ):  # fmt: skip
            if path == "/v1/metrics/my_counter":
                counter_asked.append(now() - engine.started_at)
            seen[path] = await get(address, path)
            if path == "/v1/metrics/my_counter":
                counter_asked.append(now() - engine.started_at)
        seen["POST"] = await get(address, "/v1/metrics", "POST")
        await request(address, "PATCH", {"data": {"attributes": {"stopped": True}}})

    async def main() -> Any:
        driver = asyncio.ensure_future(drive())
        result = await engine.run()
        await driver
        return result

    assert run(main()).exit_code is ExitCode.STOPPED_BY_API
    status, listing = seen["/v1/metrics"]
    assert status == 200
    by_id = {m["id"]: m for m in listing["data"]}
    assert all(m["type"] == "metrics" for m in listing["data"])
    assert "never_sampled" not in by_id and {"iterations", "my_counter", "my_trend", "my_rate"} <= set(by_id)
    assert by_id["my_rate"]["attributes"] == {"type": "rate", "contains": "default", "tainted": None,
                                              "sample": {"rate": 0.5}}  # fmt: skip
    assert by_id["my_gauge"]["attributes"]["sample"] == {"value": 5.0}
    assert by_id["iterations"]["attributes"]["sample"]["count"] >= 1
    assert seen["/v1/metrics/my_trend"] == (
        200,
        {
            "data": {
                "type": "metrics",
                "id": "my_trend",
                "attributes": {
                    "type": "trend",
                    "contains": "time",
                    "tainted": None,
                    "sample": {
                        "avg": 3.0,
                        "min": 1.0,
                        "med": 2.5,
                        "max": 6.0,
                        "p(90)": pytest.approx(5.1),  # k6's linear interpolation over [1, 2, 3, 6]
                        "p(95)": pytest.approx(5.55),
                    },
                },
            }
        },
    )
    status, counter_doc = seen["/v1/metrics/my_counter"]
    sample = counter_doc["data"]["attributes"]["sample"]
    # the rate is over the time since the run started, which the server read while the GET was in flight
    asked, answered = counter_asked
    assert status == 200 and sample["count"] == 3 and 3 / answered <= sample["rate"] <= 3 / asked
    assert seen["/v1/metrics/never_sampled"] == (
        404,
        {"errors": [{"status": "404", "title": "Not Found", "detail": "No metric with that ID was found"}]},
    )
    root, g1 = reg.groups.root, reg.groups.root.groups["g1"]
    root_doc = {
        "type": "groups",
        "id": "d41d8cd98f00b204e9800998ecf8427e",  # md5(""), as k6
        "attributes": {"path": "", "name": "", "checks": None},
        "relationships": {"groups": {"data": [{"type": "groups", "id": g1.id}]}, "parent": {"data": None}},
    }
    g1_doc = {
        "type": "groups",
        "id": "9ccb03cc5acd728a2fe595bbd1f14da3",  # md5("::g1"), as k6
        "attributes": {
            "path": "::g1",
            "name": "g1",
            "checks": [
                {"id": "a78dc076641b6ca35ffd09a7c2c8ee7d", "path": "::g1::ok", "name": "ok", "passes": 4, "fails": 1}
            ],
        },
        "relationships": {"groups": {"data": []}, "parent": {"data": {"type": "groups", "id": root.id}}},
    }
    assert seen["/v1/groups"] == (200, {"data": [root_doc, g1_doc]})
    assert seen[f"/v1/groups/{root.id}"] == (200, {"data": root_doc})
    assert seen["/v1/groups/nope"][0] == 404
    assert seen["/v1/groups/nope"][1]["errors"][0]["detail"] == "No group with that ID was found"
    assert seen["POST"][0] == 405
