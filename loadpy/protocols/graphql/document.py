"""A small GraphQL document parser: operations, fields, aliases, arguments, variables.

Enough for the demo target's executor and for tagging client requests with the
operation name and type; fragments and directives are rejected / skipped, not executed.
Pure: no I/O, no globals.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r"""
    (?P<ws>[\s,\ufeff]+|\#[^\n]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>[!$():=@\[\]{}|&])
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<block>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
  | (?P<string>"(?:[^"\\\n]|\\.)*")
    """,
    re.VERBOSE,
)


class GraphQLSyntaxError(ValueError):
    """The document is not valid GraphQL (message says where)."""


@dataclass(frozen=True, slots=True)
class Variable:
    name: str


@dataclass(slots=True)
class Field:
    name: str
    alias: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)  # values may contain Variable
    selections: list[Field] = field(default_factory=list)

    @property
    def response_key(self) -> str:
        return self.alias or self.name


@dataclass(slots=True)
class Operation:
    type: str  # "query" | "mutation" | "subscription"
    name: str | None
    variable_defaults: dict[str, Any]
    selections: list[Field]


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _tokenize(source: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None:
            raise GraphQLSyntaxError(f"Syntax Error: unexpected character {source[pos]!r} at offset {pos}")
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append(_Tok(kind, m.group(), pos))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, source: str) -> None:
        self.toks = _tokenize(source)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, text: str | None = None, kind: str | None = None) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise GraphQLSyntaxError(f"Syntax Error: expected {text or kind}, found end of document")
        if (text is not None and tok.text != text) or (kind is not None and tok.kind != kind):
            raise GraphQLSyntaxError(f"Syntax Error: expected {text or kind}, found {tok.text!r} at offset {tok.pos}")
        self.i += 1
        return tok

    def at(self, text: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.text == text and tok.kind in ("punct", "spread", "name")

    def document(self) -> list[Operation]:
        ops: list[Operation] = []
        while self.peek() is not None:
            ops.append(self.operation())
        if not ops:
            raise GraphQLSyntaxError("Syntax Error: the document contains no operation")
        return ops

    def operation(self) -> Operation:
        if self.at("{"):
            return Operation("query", None, {}, self.selection_set())
        tok = self.take(kind="name")
        if tok.text == "fragment":
            raise GraphQLSyntaxError("fragments are not supported")
        if tok.text not in ("query", "mutation", "subscription"):
            raise GraphQLSyntaxError(f"Syntax Error: unexpected {tok.text!r} at offset {tok.pos}")
        name = self.take(kind="name").text if (p := self.peek()) is not None and p.kind == "name" else None
        defaults = self.variable_definitions() if self.at("(") else {}
        self.directives()
        return Operation(tok.text, name, defaults, self.selection_set())

    def variable_definitions(self) -> dict[str, Any]:
        defaults: dict[str, Any] = {}
        self.take("(")
        while not self.at(")"):
            self.take("$")
            name = self.take(kind="name").text
            self.take(":")
            self.type_ref()
            if self.at("="):
                self.take("=")
                defaults[name] = self.value()
            self.directives()
        self.take(")")
        return defaults

    def type_ref(self) -> None:
        if self.at("["):
            self.take("[")
            self.type_ref()
            self.take("]")
        else:
            self.take(kind="name")
        if self.at("!"):
            self.take("!")

    def directives(self) -> None:
        while self.at("@"):
            self.take("@")
            self.take(kind="name")
            if self.at("("):
                self.arguments()

    def selection_set(self) -> list[Field]:
        self.take("{")
        fields: list[Field] = []
        while not self.at("}"):
            if self.at("..."):
                raise GraphQLSyntaxError("fragments are not supported")
            fields.append(self.field())
        self.take("}")
        if not fields:
            raise GraphQLSyntaxError("Syntax Error: empty selection set")
        return fields

    def field(self) -> Field:
        name = self.take(kind="name").text
        alias = None
        if self.at(":"):
            self.take(":")
            alias, name = name, self.take(kind="name").text
        args = self.arguments() if self.at("(") else {}
        self.directives()
        selections = self.selection_set() if self.at("{") else []
        return Field(name, alias, args, selections)

    def arguments(self) -> dict[str, Any]:
        args: dict[str, Any] = {}
        self.take("(")
        while not self.at(")"):
            name = self.take(kind="name").text
            self.take(":")
            args[name] = self.value()
        self.take(")")
        return args

    def value(self) -> Any:
        tok = self.take()
        if tok.text == "$" and tok.kind == "punct":
            return Variable(self.take(kind="name").text)
        if tok.kind == "number":
            return float(tok.text) if any(c in tok.text for c in ".eE") else int(tok.text)
        if tok.kind == "string":
            return json.loads(tok.text)
        if tok.kind == "block":
            return tok.text[3:-3]
        if tok.kind == "name":
            return {"true": True, "false": False, "null": None}.get(tok.text, tok.text)
        if tok.text == "[":
            items = []
            while not self.at("]"):
                items.append(self.value())
            self.take("]")
            return items
        if tok.text == "{":
            obj = {}
            while not self.at("}"):
                key = self.take(kind="name").text
                self.take(":")
                obj[key] = self.value()
            self.take("}")
            return obj
        raise GraphQLSyntaxError(f"Syntax Error: unexpected {tok.text!r} at offset {tok.pos}")


def parse(source: str) -> list[Operation]:
    """All operations of a document; raises GraphQLSyntaxError."""
    return _Parser(source).document()


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


# The head of the first operation: for tagging documents this parser does not take (fragments).
_HEAD = re.compile(r"(?:[\s,\ufeff]+|#[^\n]*)*(?:(query|mutation|subscription)\b[\s,]*([_A-Za-z]\w*)?|(\{))")


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
