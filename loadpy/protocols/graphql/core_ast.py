"""graphql-core's AST → the operations of document.py, fragments expanded in place.

Kept apart from document.py so that graphql-core is imported only when a document is parsed.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from graphql import language as ast
from graphql.language import parse as parse_ast

from loadpy.protocols.graphql.operations import Field, GraphQLSyntaxError, Operation, Variable


def operations(source: str) -> tuple[Operation, ...]:
    """Every operation of the document; raises GraphQLSyntaxError with graphql-core's message."""
    try:
        document = parse_ast(source, no_location=True)
    except GraphQLError as exc:
        raise GraphQLSyntaxError(exc.message) from None
    converter = _Converter(document)
    return tuple(converter.operation(d) for d in document.definitions if isinstance(d, ast.OperationDefinitionNode))


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
