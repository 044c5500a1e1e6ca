"""A Python script for `loadpy run` (docs/python-api.md): `loadpy run --demo examples/shop.py`.

Two VUs for 10 s: log in once in setup(), then browse items and check out in groups, with checks,
a custom counter and trend, thresholds, and a blocking call moved off the event loop.
"""

import hashlib

import loadpy

options = {
    "vus": 2,
    "duration": "10s",
    "thresholds": {"checks": ["rate==1"], "http_req_duration{name:item}": ["p(95)<500"]},
}
env = {"BASE_URL": "http://127.0.0.1:8080", "THINK": "0.2"}  # --demo and -e override them
metrics = {"orders": "counter", "checkout_time": {"type": "trend", "time": True}}


async def setup(vu: loadpy.VU) -> dict:
    res = await vu.http.post(f"{vu.env['BASE_URL']}/login", json={"username": "alice"})
    vu.check(res, {"logged in": lambda r: r.status == 200})
    return {"token": res.json()["token"]}


def receipt(text: str) -> str:
    """Stands in for a blocking library call (a sync driver, heavy CPU work)."""
    return hashlib.sha256(text.encode()).hexdigest()


async def default(vu: loadpy.VU, data: dict) -> None:
    base = vu.env["BASE_URL"]
    headers = {"Authorization": f"Bearer {data['token']}"}
    async with vu.group("browse"):
        items = await vu.http.batch(
            [{"url": f"{base}/items/{n}", "name": "item", "headers": headers} for n in (1, 2, 3)]
        )
        vu.check(items, {"all items": lambda rs: all(r.status == 200 for r in rs)})
    async with vu.group("checkout"):
        res = await vu.http.post(f"{base}/echo", json={"item": 1, "vu": vu.id}, name="checkout")
        if vu.check(res, {"order echoed": lambda r: r.json()["vu"] == vu.id}):
            vu.metrics["orders"].add(1)
            vu.metrics["checkout_time"].add(res.timings.duration)
        await vu.run_blocking(receipt, res.text)
    await vu.sleep(float(vu.env["THINK"]))


def teardown(vu: loadpy.VU, data: dict) -> None:
    vu.log(f"done with token {data['token']}")
