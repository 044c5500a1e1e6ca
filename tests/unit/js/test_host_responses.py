"""Which earlier responses a VU's script can still read lazily (`res.body` of a response kept across
iterations): all of the current iteration's and the last KEEP_RESPONSES of earlier ones, whatever ids
asyncRequest took in between."""

from __future__ import annotations

from loadpy.js.host import ERROR, KEEP_RESPONSES, Host, Shared
from loadpy.protocols.http.model import Response


def _response(n: int) -> Response:
    return Response("GET", "http://127.0.0.1/", status=200, body=f"body {n}".encode())


def test_the_last_earlier_responses_stay_readable_and_older_ones_are_too_old() -> None:
    host = Host(Shared())
    ids = []
    for n in range(100):
        host.new_iteration()
        ids.append(host._keep(_response(n), None))
        if n % 3 == 0:
            host._last_id += 1  # an id asyncRequest took: never kept
        if n == 99:  # this iteration's responses: two more
            ids.append(host._keep(_response(100), None))
    host_answers = [host.response(i, "body") for i in ids]
    readable = [a for a in host_answers if a is not None and not a.startswith(ERROR)]
    # the 99 earlier iterations' last KEEP_RESPONSES, and both of the current one's
    assert readable == [f"Tbody {n}" for n in range(99 - KEEP_RESPONSES, 101)]
    too_old = host_answers[: 99 - KEEP_RESPONSES]
    assert too_old == [f"{ERROR}response.body: the response is too old (read its fields while it is recent)"] * len(
        too_old
    )
