"""The demo target's fixed GraphQL schema (SCHEMA_SDL) and a tiny executor for it.

    type Query        { hello: String, user(id: ID!): User, users: [User], item(id: ID!): Item,
                        messages: [Message], boom: String! }
    type Mutation     { addMessage(content: String!): Message! }
    type Subscription { messageAdded(count: Int = 3, interval: Int = 50): Message!,
                        countdown(from: Int!, interval: Int = 50): Int!,
                        tick(count: Int = 3, interval: Int = 50): Int! }   # 0, 1, 2 like the k6 oracle's target
    type User { id: ID!, name: String!, email: String! }   type Item { id: ID!, name: String! }
    type Message { id: ID!, content: String! }

`boom` always fails: the response is {"errors": [...], "data": null} with HTTP 200, as
real servers answer a non-null field error at the root. `interval` is in milliseconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from loadpy.protocols.graphql.document import Field, GraphQLSyntaxError, Operation, parse, resolve_arguments
from loadpy.protocols.graphql.document import select_operation as _select

USERS: tuple[dict[str, str], ...] = tuple(
    {"id": str(i), "name": name, "email": f"{name.lower()}@example.test"}
    for i, name in enumerate(
        ("Ada", "Brian", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Radia", "Guido"), start=1
    )
)
MAX_MESSAGES = 1000  # the store is bounded: a long load test must not grow memory

SCHEMA_SDL = """\
type Query {
  hello: String
  user(id: ID!): User
  users: [User]
  item(id: ID!): Item
  messages: [Message]
  boom: String!          # always fails: {"errors": [...], "data": null} with HTTP 200
}
type Mutation { addMessage(content: String!): Message! }
type Subscription {      # interval in milliseconds
  messageAdded(count: Int = 3, interval: Int = 50): Message!
  countdown(from: Int!, interval: Int = 50): Int!
  tick(count: Int = 3, interval: Int = 50): Int!
}
type User { id: ID!, name: String!, email: String! }
type Item { id: ID!, name: String! }
type Message { id: ID!, content: String! }
"""

# type name -> field name -> result type name ("Int", "String", "ID" are scalars)
_TYPES: dict[str, dict[str, str]] = {
    "Query": {
        "hello": "String",
        "user": "User",
        "users": "User",
        "item": "Item",
        "messages": "Message",
        "boom": "String",
    },
    "Mutation": {"addMessage": "Message"},
    "Subscription": {"messageAdded": "Message", "countdown": "Int", "tick": "Int"},
    "User": {"id": "ID", "name": "String", "email": "String"},
    "Item": {"id": "ID", "name": "String"},
    "Message": {"id": "ID", "content": "String"},
}
_SCALARS = frozenset({"Int", "String", "ID"})
_ROOTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


class GraphQLRequestError(Exception):
    """A request that cannot execute (syntax or validation): {"errors": [...]} with no data."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Prepared:
    """A parsed, validated operation with its variables, ready to execute."""

    operation: Operation
    variables: dict[str, Any]

    @property
    def type(self) -> str:
        return self.operation.type


@dataclass
class MessageStore:
    """Messages added through the addMessage mutation (per server instance)."""

    messages: list[dict[str, str]] = field(default_factory=list)
    next_id: int = 1

    def add(self, content: str) -> dict[str, str]:
        msg = {"id": str(self.next_id), "content": content}
        self.next_id += 1
        self.messages.append(msg)
        del self.messages[:-MAX_MESSAGES]
        return msg


def prepare(query: Any, variables: Any = None, operation_name: Any = None) -> Prepared:
    """Parse and validate a request; raises GraphQLRequestError."""
    if not isinstance(query, str) or not query.strip():
        raise GraphQLRequestError("Must provide query string.")
    if variables is not None and not isinstance(variables, dict):
        raise GraphQLRequestError("Variables must be provided as an Object.")
    try:
        op = _select(parse(query), operation_name if isinstance(operation_name, str) else None)
    except GraphQLSyntaxError as exc:
        raise GraphQLRequestError(str(exc)) from None
    except ValueError as exc:
        raise GraphQLRequestError(str(exc)) from None
    _validate(op.selections, _ROOTS[op.type])
    if op.type == "subscription" and len(op.selections) != 1:
        raise GraphQLRequestError("A subscription must select only one top level field.")
    return Prepared(op, {**op.variable_defaults, **(variables or {})})


def _validate(selections: list[Field], type_name: str) -> None:
    fields = _TYPES[type_name]
    for f in selections:
        if f.name == "__typename":
            continue
        if f.name not in fields:
            raise GraphQLRequestError(f'Cannot query field "{f.name}" on type "{type_name}".')
        result = fields[f.name]
        if result in _SCALARS and f.selections:
            raise GraphQLRequestError(
                f'Field "{f.name}" must not have a selection since type "{result}" has no subfields.'
            )
        if result not in _SCALARS and not f.selections:
            raise GraphQLRequestError(f'Field "{f.name}" of type "{result}" must have a selection of subfields.')
        if f.selections:
            _validate(f.selections, result)


def _project(value: Any, selections: list[Field], type_name: str) -> Any:
    if value is None or not selections:
        return value
    if isinstance(value, list):
        return [_project(v, selections, type_name) for v in value]
    fields = _TYPES[type_name]
    return {
        f.response_key: type_name
        if f.name == "__typename"
        else _project(value.get(f.name), f.selections, fields[f.name])
        for f in selections
    }


def execute(prepared: Prepared, store: MessageStore) -> dict[str, Any]:
    """Run a query or mutation: the response document ({"data": ...} and/or "errors")."""
    root = _ROOTS[prepared.type]
    data: dict[str, Any] = {}
    for f in prepared.operation.selections:
        if f.name == "__typename":
            data[f.response_key] = root
            continue
        args = resolve_arguments(f.arguments, prepared.variables)
        if f.name == "boom":
            return {"errors": [{"message": "boom requested", "path": [f.response_key]}], "data": None}
        value = _resolve(f.name, args, store)
        data[f.response_key] = _project(value, f.selections, _TYPES[root][f.name])
    return {"data": data}


def _resolve(name: str, args: dict[str, Any], store: MessageStore) -> Any:
    if name == "hello":
        return "world"
    if name == "user":
        uid = str(args.get("id"))
        return next((u for u in USERS if u["id"] == uid), None)
    if name == "users":
        return list(USERS)
    if name == "item":
        return {"id": str(args.get("id")), "name": f"item {args.get('id')}"}
    if name == "messages":
        return list(store.messages)
    if name == "addMessage":
        return store.add(str(args.get("content", "")))
    raise GraphQLRequestError(f'Cannot query field "{name}".')


async def subscribe(prepared: Prepared) -> AsyncIterator[dict[str, Any]]:
    """Yield the subscription's events as response documents ({"data": {...}})."""
    f = prepared.operation.selections[0]
    args = resolve_arguments(f.arguments, prepared.variables)
    interval = max(0, _int(args.get("interval"), 50)) / 1000.0
    if f.name == "countdown":
        values: list[Any] = list(range(_int(args.get("from"), 3), 0, -1))
    elif f.name == "tick":
        values = list(range(_int(args.get("count"), 3)))
    else:
        values = [{"id": str(i), "content": f"message {i}"} for i in range(1, _int(args.get("count"), 3) + 1)]
    for i, value in enumerate(values):
        if i and interval:
            await asyncio.sleep(interval)
        yield {"data": {f.response_key: _project(value, f.selections, _TYPES["Subscription"][f.name])}}


def _int(value: Any, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default
