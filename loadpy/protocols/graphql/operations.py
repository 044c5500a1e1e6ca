"""The small model of a GraphQL document that loadpy needs: operations, fields, aliases, arguments,
variables (parsed by core_ast.py, used by document.py and the demo target's executor)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
