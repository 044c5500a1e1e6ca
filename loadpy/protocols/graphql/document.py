"""GraphQL documents, parsed by graphql-core into the small model loadpy needs: operations,
fields, aliases, arguments, variables. Fragment spreads and inline fragments are expanded in
place (type conditions are not checked: the demo schema has no interfaces); directives are
ignored. Parsing costs tens of microseconds, so results are cached per distinct document:
a flow sends the same few documents again and again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graphql import GraphQLError
from graphql import language as ast
from graphql.language import parse as parse_ast

_CACHE_SIZE = 1024  # distinct documents remembered (a flow has a handful; a script may build more)


class GraphQLSyntaxError(ValueError):
    """The document is not valid GraphQL (graphql-core's message, which says where)."""


@dataclass(frozen=True, slots=True)
class Variable:
    name: str


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    alias: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)  # values may contain Variable
    selections: list[Field] = field(default_factory=list)

    @property
    def response_key(self) -> str:
        return self.alias or self.name


@dataclass(frozen=True, slots=True)
class Operation:
    type: str  # "query" | "mutation" | "subscription"
    name: str | None
    variable_defaults: dict[str, Any]
    selections: list[Field]


def _value(node: ast.ValueNode) -> Any:
    if isinstance(node, ast.VariableNode):
        return Variable(node.name.value)
    if isinstance(node, ast.IntValueNode):
        return int(node.value)
    if isinstance(node, ast.FloatValueNode):
        return float(node.value)
    if isinstance(node, ast.StringValueNode | ast.EnumValueNode):
        return node.value
    if isinstance(node, ast.BooleanValueNode):
        return node.value
    if isinstance(node, ast.ListValueNode):
        return [_value(v) for v in node.values]
    if isinstance(node, ast.ObjectValueNode):
        return {f.name.value: _value(f.value) for f in node.fields}
    return None  # NullValueNode


class _Converter:
    """graphql-core's AST to Operations, fragments expanded."""

    def __init__(self, document: ast.DocumentNode) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, ast.FragmentDefinitionNode)}

    def operation(self, node: ast.OperationDefinitionNode) -> Operation:
        defaults = {
            v.variable.name.value: _value(v.default_value)
            for v in node.variable_definitions or ()
            if v.default_value is not None
        }
        name = node.name.value if node.name else None
        return Operation(node.operation.value, name, defaults, self.selections(node.selection_set, ()))

    def selections(self, selection_set: ast.SelectionSetNode | None, spreading: tuple[str, ...]) -> list[Field]:
        out: list[Field] = []
        for sel in selection_set.selections if selection_set else ():
            if isinstance(sel, ast.FieldNode):
                args = {a.name.value: _value(a.value) for a in sel.arguments or ()}
                alias = sel.alias.value if sel.alias else None
                out.append(Field(sel.name.value, alias, args, self.selections(sel.selection_set, spreading)))
            elif isinstance(sel, ast.InlineFragmentNode):
                out.extend(self.selections(sel.selection_set, spreading))
            elif isinstance(sel, ast.FragmentSpreadNode):
                name = sel.name.value
                fragment = self.fragments.get(name)
                if fragment is None:
                    raise GraphQLSyntaxError(f'Unknown fragment "{name}".')
                if name in spreading:
                    raise GraphQLSyntaxError(f'Cannot spread fragment "{name}" within itself.')
                out.extend(self.selections(fragment.selection_set, (*spreading, name)))
        return out


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_cached(source: str) -> tuple[Operation, ...] | GraphQLSyntaxError:
    try:
        document = parse_ast(source, no_location=True)
        converter = _Converter(document)
        ops = tuple(converter.operation(d) for d in document.definitions if isinstance(d, ast.OperationDefinitionNode))
    except GraphQLError as exc:
        return GraphQLSyntaxError(exc.message)
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
