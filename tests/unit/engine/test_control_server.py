"""The REST API's HTTP server against real loopback connections: chunked bodies (what `k6 pause|scale`
send), IPv6, malformed and hostile input, and a `vus-max` growth that must neither exhaust memory nor
stall the loop (issue #12 items 5 and 13)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from loadpy.clock import now
from loadpy.engine.scheduler import Engine
from loadpy.errors import ExitCode
from tests.unit.engine.fakes import FakeRuntime, run, scenario, until


async def exchange(address: str, raw: bytes, *, responses: int = 1) -> list[tuple[int, Any]]:
    """Send raw bytes on one connection; read `responses` replies (Content-Length framed)."""
    host, _, port = address.rpartition(":")
    reader, writer = await asyncio.open_connection(host.strip("[]"), int(port))
    writer.write(raw)
    await writer.drain()
    out = []
    for _ in range(responses):
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        length = int(next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))[15:])
        body = await reader.readexactly(length)
        out.append((int(head.split()[1]), json.loads(body)))
    writer.close()
    return out


def patch(body: bytes, *, close: bool = True) -> bytes:
    conn = "Connection: close\r\n" if close else ""
    return f"PATCH /v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n{conn}\r\n".encode() + body


def chunked_patch(body: bytes) -> bytes:
    """What Go's http.Client sends for a body of unknown length (k6 pause/resume/scale)."""
    half = len(body) // 2
    chunks = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:half], body[half:]))
    return b"PATCH /v1/status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"


def engine_for(rt: FakeRuntime, address: str = "127.0.0.1:0", duration: str = "6s", max_vus: int = 5) -> Engine:
    return Engine(
        scenarios={"e": scenario("e", executor="externally-controlled", vus=1, maxVUs=max_vus, duration=duration)},
        runtime=rt,
        registry=rt.registry,
        control_address=address,
    )


def drive(engine: Engine, steps: Any) -> Any:
    async def main() -> Any:
        async def driver() -> None:
            await until(lambda: engine.api_address is not None)
            assert engine.api_address is not None
            try:
                await steps(engine.api_address)
            finally:
                if not engine.stopped:
                    engine.stop_from_api()

        task = asyncio.ensure_future(driver())
        result = await engine.run()
        await task
        return result

    return run(main())


def test_chunked_bodies_pipelining_and_ipv6() -> None:
    rt = FakeRuntime(sleep=0.05)
    engine = engine_for(rt, address="[::1]:0")
    seen: list[tuple[int, Any]] = []

    async def steps(address: str) -> None:
        assert address.startswith("[::1]:")
        seen.extend(await exchange(address, chunked_patch(b'{"data":{"attributes":{"vus":3}}}')))
        # two requests in one write on a kept-alive connection: both answered, in order
        two = patch(b'{"data":{"attributes":{"vus":2}}}', close=False) + patch(b'{"data":{"attributes":{"vus":4}}}')
        seen.extend(await exchange(address, two, responses=2))

    result = drive(engine, steps)
    assert result.exit_code is ExitCode.STOPPED_BY_API
    assert [(status, doc["data"]["attributes"]["vus"]) for status, doc in seen] == [(200, 3), (200, 2), (200, 4)]


def test_a_string_paused_is_refused_and_does_not_pause() -> None:
    rt = FakeRuntime(sleep=0.05)
    engine = engine_for(rt)
    seen: list[tuple[int, Any]] = []

    async def steps(address: str) -> None:
        seen.extend(await exchange(address, patch(b'{"data":{"attributes":{"paused":"false"}}}')))
        seen.extend(await exchange(address, b"GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n"))
        seen.extend(await exchange(address, patch(b'{"data":{"attributes":{"paused":false}}}')))

    drive(engine, steps)
    (refused_status, refused), (_, status), (resume_status, resume) = seen
    assert (refused_status, refused) == (
        400,
        {
            "errors": [
                {
                    "status": "400",
                    "title": "Invalid data",
                    "detail": "json: cannot unmarshal string into Go value of type null.Bool",
                }
            ]
        },
    )
    assert status["data"]["attributes"]["paused"] is False and status["data"]["attributes"]["vus"] == 1
    # k6: resuming a test that is not paused is a 500 "Pause error"
    assert (resume_status, resume["errors"][0]) == (
        500,
        {"status": "500", "title": "Pause error", "detail": "test execution wasn't paused"},
    )


def test_deep_nesting_and_garbage_get_400_and_the_server_goes_on() -> None:
    rt = FakeRuntime(sleep=0.05)
    engine = engine_for(rt)
    seen: list[tuple[int, Any]] = []

    async def steps(address: str) -> None:
        seen.extend(await exchange(address, patch(b"[" * 200_000 + b"]" * 200_000)))
        seen.extend(await exchange(address, patch(b'{"a":' * 20_000 + b"1" + b"}" * 20_000)))
        host, _, port = address.rpartition(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        seen.append((int((await reader.read()).split()[1]), None))
        writer.close()
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET /v1/" + b"x" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        seen.append((int((await reader.read()).split()[1]), None))
        writer.close()
        big = b'{"data":{"attributes":{"vus":2}},"pad":"' + b"x" * (2 << 20) + b'"}'
        seen.extend(await exchange(address, patch(big)))
        seen.extend(await exchange(address, b"GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))

    drive(engine, steps)
    (deep, deep_doc), (objs, objs_doc), (garbage, _), (long_url, _), (big, big_doc), (alive, status) = seen
    assert (deep, deep_doc["errors"][0]["detail"]) == (400, "invalid character '[' exceeded max depth")
    assert (objs, objs_doc["errors"][0]["detail"]) == (400, "invalid character '{' exceeded max depth")
    assert garbage == long_url == 400
    assert big == 400 and big_doc["errors"][0]["title"] == "Couldn't read request"
    assert alive == 200 and status["data"]["attributes"]["vus"] == 1


@pytest.mark.slow
def test_an_impossible_vus_max_is_refused_at_once_and_the_test_ends_on_time() -> None:
    rt = FakeRuntime(sleep=0.05)
    engine = engine_for(rt, duration="2s")
    seen: list[tuple[int, Any]] = []
    took: list[float] = []

    async def steps(address: str) -> None:
        # grow, then shrink: 295 initialised VUs wait in the pool, so the next growth starts by reusing them
        seen.extend(await exchange(address, patch(b'{"data":{"attributes":{"vus-max":300}}}')))
        seen.extend(await exchange(address, patch(b'{"data":{"attributes":{"vus-max":5}}}')))
        start = now()
        seen.extend(await exchange(address, patch(b'{"data":{"attributes":{"vus-max":10000000000}}}')))
        took.append(now() - start)

    async def main() -> Any:
        task = asyncio.ensure_future(_when_listening(engine, steps))
        result = await engine.run()
        await task
        return result

    result = run(main())
    (grown, _), (shrunk, _), (status, doc) = seen
    assert (grown, shrunk) == (200, 200)
    assert status == 400 and doc["errors"][0]["title"] == "Config update error"
    assert doc["errors"][0]["detail"].startswith("not enough memory to initialize 9999999")
    assert took[0] < 1.0
    assert result.exit_code is ExitCode.OK and result.test_run_duration_s < 3.0
    assert len(rt.vus) < 1000  # the reused VUs and one measuring batch, not millions


@pytest.mark.slow
def test_growing_vus_max_keeps_the_api_answering_and_stops_with_the_test() -> None:
    rt = FakeRuntime(sleep=0.05)
    engine = engine_for(rt, duration="1.5s")
    growth: list[tuple[int, Any]] = []
    during: list[int] = []

    async def steps(address: str) -> None:
        # 5 million fake VUs (~1.6 GB by the estimate) fit in memory but take far longer than the test has left
        grow = asyncio.ensure_future(exchange(address, patch(b'{"data":{"attributes":{"vus-max":5000000}}}')))
        await until(lambda: engine.status()["vus-max"] > 5)  # the growth is under way
        ((status, doc),) = await exchange(address, b"GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert status == 200
        during.append(doc["data"]["attributes"]["vus-max"])
        growth.extend(await grow)

    async def main() -> Any:
        task = asyncio.ensure_future(_when_listening(engine, steps))
        result = await engine.run()
        await task
        return result

    start = now()
    result = run(main())
    assert now() - start < 4.0 and result.exit_code is ExitCode.OK
    assert 5 < during[0] < 5_000_000  # answered while the growth was under way
    ((status, doc),) = growth
    assert (status, doc["errors"][0]["detail"]) == (400, "context canceled")  # k6's words when the test ends


async def _when_listening(engine: Engine, steps: Any) -> None:
    await until(lambda: engine.api_address is not None)
    await steps(engine.api_address)


@pytest.mark.slow
def test_metric_counts_are_json_integers_as_k6_prints_them() -> None:
    rt = FakeRuntime(sleep=0.05)
    engine = engine_for(rt)
    raw: list[bytes] = []

    async def steps(address: str) -> None:
        await until(lambda: any(m.name == "vus" for m, _, _ in engine.registry.all_series()))  # sampled once a second
        host, _, port = address.rpartition(":")
        for path in ("/v1/metrics/iterations", "/v1/metrics/vus"):
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            raw.append((await reader.read()).partition(b"\r\n\r\n")[2])
            writer.close()

    drive(engine, steps)
    iterations = json.loads(raw[0])["data"]["attributes"]["sample"]
    # k6: {"count":2,"rate":0.85…} and {"value":1}: Go writes integral floats without ".0"
    assert isinstance(iterations["count"], int) and iterations["count"] >= 1
    assert b'"count":%d,' % iterations["count"] in raw[0]
    assert raw[1].endswith(b'"sample":{"value":1}}}}')
