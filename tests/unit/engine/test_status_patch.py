"""PATCH /v1/status bodies decoded as k6 v1.1.0 decodes them. Every detail text below is what the k6
binary answered (400 "Invalid data") for the same body against `k6 run -a … ` of an externally-controlled
scenario."""

from __future__ import annotations

import pytest

from loadpy.engine.status_patch import InvalidData, StatusPatch, parse_status_patch


def attrs(text: str) -> bytes:
    return ('{"data":{"attributes":' + text + "}}").encode()


K6_REFUSALS = [
    (attrs('{"paused":"false"}'), "json: cannot unmarshal string into Go value of type null.Bool"),
    (attrs('{"paused":1}'), "json: cannot unmarshal float64 into Go value of type null.Bool"),
    (attrs('{"paused":[]}'), "json: cannot unmarshal  into Go value of type null.Bool"),
    (
        attrs('{"vus":1.5}'),
        "json: cannot unmarshal number 1.5 into Go struct field Status.data.attributes.vus of type int64",
    ),
    (
        attrs('{"vus":1e0}'),
        "json: cannot unmarshal number 1e0 into Go struct field Status.data.attributes.vus of type int64",
    ),
    (
        attrs('{"vus-max":1.5}'),
        "json: cannot unmarshal number 1.5 into Go struct field Status.data.attributes.vus-max of type int64",
    ),
    (
        attrs('{"vus":99999999999999999999}'),
        "json: cannot unmarshal number 99999999999999999999 into Go struct field Status.data.attributes.vus "
        "of type int64",
    ),
    (attrs('{"vus":"x"}'), 'strconv.ParseInt: parsing "x": invalid syntax'),
    (attrs('{"vus":" 2"}'), 'strconv.ParseInt: parsing " 2": invalid syntax'),
    (attrs('{"vus":"1.0"}'), 'strconv.ParseInt: parsing "1.0": invalid syntax'),
    (
        attrs('{"vus":"99999999999999999999"}'),
        'strconv.ParseInt: parsing "99999999999999999999": value out of range',
    ),
    (attrs('{"vus":true}'), "json: cannot unmarshal bool into Go value of type null.Int"),
    (attrs('{"vus-max":[]}'), "json: cannot unmarshal  into Go value of type null.Int"),
    (
        attrs('{"stopped":"true"}'),
        "json: cannot unmarshal string into Go struct field Status.data.attributes.stopped of type bool",
    ),
    (
        attrs('{"stopped":1}'),
        "json: cannot unmarshal number into Go struct field Status.data.attributes.stopped of type bool",
    ),
    (
        attrs('{"running":"x"}'),
        "json: cannot unmarshal string into Go struct field Status.data.attributes.running of type bool",
    ),
    (
        attrs('{"status":"x"}'),
        "json: cannot unmarshal string into Go struct field Status.data.attributes.status of type lib.ExecutionStatus",
    ),
    (b'{"data":"x"}', "json: cannot unmarshal string into Go struct field StatusJSONAPI.data of type v1.statusData"),
    (
        b'{"data":[]}',
        "json: cannot unmarshal array into Go struct field StatusJSONAPI.data of type v1.statusData",
    ),
    (
        b'{"data":{"attributes":[]}}',
        "json: cannot unmarshal array into Go struct field statusData.data.attributes of type v1.Status",
    ),
    (b"[]", "json: cannot unmarshal array into Go value of type v1.StatusJSONAPI"),
    (b"1", "json: cannot unmarshal number into Go value of type v1.StatusJSONAPI"),
    (b"garbage", "invalid character 'g' looking for beginning of value"),
    (b"", "unexpected end of JSON input"),
    (b"{{", "invalid character '{' looking for beginning of object key string"),
    (attrs('{"paused":true}') + b" x", "invalid character 'x' after top-level value"),
    (b"[" * 100000 + b"]" * 100000, "invalid character '[' exceeded max depth"),
]


@pytest.mark.parametrize(("body", "detail"), K6_REFUSALS, ids=[d[:40] for _, d in K6_REFUSALS])
def test_refused_as_k6_refuses(body: bytes, detail: str) -> None:
    with pytest.raises(InvalidData) as info:
        parse_status_patch(body)
    assert str(info.value) == detail


@pytest.mark.parametrize(
    ("body", "patch"),
    [
        (attrs('{"vus":"2"}'), StatusPatch(vus=2)),  # k6's null.Int takes a decimal string
        (attrs('{"vus":"+2"}'), StatusPatch(vus=2)),
        (attrs('{"vus":2, "vus":1}'), StatusPatch(vus=1)),  # the last duplicate wins, as in Go
        (attrs('{"paused":null,"stopped":null,"vus":null}'), StatusPatch()),
        (attrs('{"paused":false}'), StatusPatch(paused=False)),
        # what `k6 pause` sends: every field, most of them null or false
        (
            b'{"data":{"type":"status","id":"default","attributes":{"status":0,"paused":true,"vus":null,'
            b'"vus-max":null,"stopped":false,"running":false,"tainted":false}}}',
            StatusPatch(paused=True),
        ),
        (attrs('{"vus-max":5,"stopped":true}'), StatusPatch(vus_max=5, stopped=True)),
        (b"{}", StatusPatch()),
        (b"null", StatusPatch()),
    ],
)
def test_accepted_as_k6_accepts(body: bytes, patch: StatusPatch) -> None:
    assert parse_status_patch(body) == patch
