"""Bad graphql / ws / subscription steps → ConfigError naming the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadpy.errors import ConfigError, ExitCode
from tests.integration.vu.helpers import build


def error_of(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as err:
        build(tmp_path, text)
    assert err.value.exit_code == ExitCode.INVALID_CONFIG
    return err.value


def test_missing_query_file(tmp_path: Path) -> None:
    err = error_of(
        tmp_path,
        """
        flows:
          default:
            - graphql:
                url: http://127.0.0.1:1/graphql
                query: {file: queries/nope.graphql}
    """,
    )
    assert (err.line, err.key) == (5, "flows.default[0].graphql.query.file")
    assert err.message.startswith(f"cannot read query file {tmp_path / 'queries' / 'nope.graphql'}: No such file")


def test_graphql_unknown_key_and_bad_expect(tmp_path: Path) -> None:
    err = error_of(
        tmp_path,
        """
        flows:
          default:
            - graphql:
                url: http://127.0.0.1:1/graphql
                query: "{ hello }"
                operation: Hello
    """,
    )
    assert (err.line, err.key, err.hint) == (6, "flows.default[0].graphql.operation", "did you mean operationName?")
    err = error_of(
        tmp_path,
        """
        flows:
          default:
            - graphql:
                url: http://127.0.0.1:1/graphql
                query: "{ hello }"
                expect: hello
    """,
    )
    assert (err.line, err.key) == (6, "flows.default[0].graphql.expect")
    assert err.message == "expect takes a list of data paths like [user.id, user.name]"


def test_ws_bad_receive_and_unknown_name_in_check(tmp_path: Path) -> None:
    err = error_of(
        tmp_path,
        """
        flows:
          default:
            - ws:
                url: ws://127.0.0.1:1/ws
                receive: -1
    """,
    )
    assert (err.line, err.key, err.message) == (
        5,
        "flows.default[0].ws.receive",
        "receive must be a non-negative integer, got -1",
    )
    err = error_of(
        tmp_path,
        """
        flows:
          default:
            - ws: {url: "ws://127.0.0.1:1/ws"}
              checks:
                ok: len(events) == 1
    """,
    )
    assert (err.line, err.key) == (5, "flows.default[0].checks.ok")
    assert err.message == "unknown name 'events' in expression 'len(events) == 1'"


def test_subscription_unknown_protocol(tmp_path: Path) -> None:
    err = error_of(
        tmp_path,
        """
        flows:
          default:
            - subscription:
                url: ws://127.0.0.1:1/graphql
                protocol: graphql-transport
                query: "subscription { tick }"
    """,
    )
    assert (err.line, err.key, err.hint) == (
        5,
        "flows.default[0].subscription.protocol",
        "did you mean graphql-transport-ws?",
    )


def test_capture_may_not_hide_messages(tmp_path: Path) -> None:
    err = error_of(
        tmp_path,
        """
        flows:
          default:
            - ws: {url: "ws://127.0.0.1:1/ws", receive: 1}
              capture:
                messages: messages
    """,
    )
    assert err.message == "capture name 'messages' hides a built-in name or a data array; rename it"
