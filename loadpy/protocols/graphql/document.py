"""GraphQL documents, parsed by graphql-core (core_ast.py) into the small model loadpy needs: operations,
fields, aliases, arguments, variables. Fragment spreads and inline fragments are expanded in
place (type conditions are not checked: the demo schema has no interfaces); directives are
ignored. Parsing costs tens of microseconds, so results are cached per distinct document:
a flow sends the same few documents again and again.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from loadpy.protocols.graphql.operations import Field, GraphQLSyntaxError, Operation, Variable

__all__ = ["Field", "GraphQLSyntaxError", "Operation", "Variable", "operation_info", "parse", "select_operation"]

_CACHE_SIZE = 1024  # distinct documents remembered (a flow has a handful; a script may build more)


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_cached(source: str) -> tuple[Operation, ...] | GraphQLSyntaxError:
    # graphql-core takes a few hundred ms to import: only a run that parses a document pays for it
    from loadpy.protocols.graphql.core_ast import operations

    try:
        ops = operations(source)
    except GraphQLSyntaxError as exc:
        return exc
    return ops if ops else GraphQLSyntaxError("Must provide an operation.")


def parse(source: str) -> list[Operation]:
    """All operations of a document (parsed once per distinct source); raises GraphQLSyntaxError."""
    result = _parse_cached(source)
    if isinstance(result, GraphQLSyntaxError):
        raise GraphQLSyntaxError(str(result))
    return list(result)


def select_operation(ops: list[Operation], operation_name: str | None) -> Operation:
    """The operation to run, chosen as the GraphQL spec says; raises ValueError."""
    if operation_name:
        for op in ops:
            if op.name == operation_name:
                return op
        raise ValueError(f'Unknown operation named "{operation_name}".')
    if len(ops) > 1:
        raise ValueError("Must provide operation name if query contains multiple operations.")
    return ops[0]


# The head of an unparsable document: its tags are still told when the head is plain.
_HEAD = re.compile(r"(?:[\s,\ufeff]+|#[^\n]*)*(?:(query|mutation|subscription)\b[\s,]*([_A-Za-z]\w*)?|(\{))")


@lru_cache(maxsize=_CACHE_SIZE)
def operation_info(source: str, operation_name: str | None = None) -> tuple[str, str]:
    """(operation name or "", operation type) for tagging requests; ("", "") if it can't be told."""
    try:
        op = select_operation(parse(source), operation_name)
    except GraphQLSyntaxError:
        head = _HEAD.match(source)
        if head is None:
            return (operation_name or "", "")
        return (operation_name or head.group(2) or "", head.group(1) or "query")
    except ValueError:
        return (operation_name or "", "")
    return (op.name or operation_name or "", op.type)


def resolve_arguments(args: dict[str, Any], variables: dict[str, Any]) -> dict[str, Any]:
    """Arguments with variable references replaced by the request's variables."""

    def sub(value: Any) -> Any:
        if isinstance(value, Variable):
            return variables.get(value.name)
        if isinstance(value, list):
            return [sub(v) for v in value]
        if isinstance(value, dict):
            return {k: sub(v) for k, v in value.items()}
        return value

    return {k: sub(v) for k, v in args.items()}
