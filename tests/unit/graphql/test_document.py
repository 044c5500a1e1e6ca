"""The GraphQL document parser: operations, variables, arguments, errors."""

from __future__ import annotations

import pytest

from loadpy.protocols.graphql.document import (
    GraphQLSyntaxError,
    Variable,
    operation_info,
    parse,
    resolve_arguments,
    select_operation,
)


def test_named_query_with_variables_aliases_and_nesting() -> None:
    [op] = parse('query User($id: ID! = "1", $n: [Int!]) { u: user(id: $id) { id name } hello }')
    assert (op.type, op.name, op.variable_defaults) == ("query", "User", {"id": "1"})
    user, hello = op.selections
    assert (user.name, user.alias, user.response_key, user.arguments) == ("user", "u", "u", {"id": Variable("id")})
    assert [f.name for f in user.selections] == ["id", "name"]
    assert (hello.name, hello.selections) == ("hello", [])


def test_shorthand_query_literals_and_comments() -> None:
    [op] = parse('# a comment\n{ f(a: 1, b: -2.5, c: "x\\"y", d: true, e: null, g: [1, 2], h: {k: ENUM}) }')
    assert op.type == "query" and op.name is None
    assert op.selections[0].arguments == {
        "a": 1,
        "b": -2.5,
        "c": 'x"y',
        "d": True,
        "e": None,
        "g": [1, 2],
        "h": {"k": "ENUM"},
    }


def test_operation_info_and_selection() -> None:
    assert operation_info('mutation Add { addMessage(content: "x") { id } }') == ("Add", "mutation")
    assert operation_info("subscription { tick }") == ("", "subscription")
    doc = "query A { hello } query B { hello }"
    assert operation_info(doc, "B") == ("B", "query")
    assert operation_info(doc) == ("", "")
    assert operation_info("{ oops", "X") == ("X", "query")  # unparsable: told from the head
    assert operation_info("query Q { a { ...F } } fragment F on A { b }") == ("Q", "query")
    assert operation_info("mutation { a { ...F } } fragment F on A { b }") == ("", "mutation")
    assert operation_info("fragment F on A { b }") == ("", "")
    with pytest.raises(ValueError, match='Unknown operation named "C"'):
        select_operation(parse(doc), "C")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{ hello ", "Syntax Error: expected name, found end of document"),
        ("{ }", "Syntax Error: empty selection set"),
        ("{ a ... F }", "fragments are not supported"),
        ("query { a } %", "Syntax Error: unexpected character '%' at offset 12"),
        ("", "Syntax Error: the document contains no operation"),
        ("banana { a }", "Syntax Error: unexpected 'banana' at offset 0"),
    ],
)
def test_syntax_errors(source: str, message: str) -> None:
    with pytest.raises(GraphQLSyntaxError) as info:
        parse(source)
    assert str(info.value) == message


def test_resolve_arguments_substitutes_variables_deeply() -> None:
    args = {"id": Variable("id"), "list": [Variable("x"), 2], "obj": {"k": Variable("missing")}}
    assert resolve_arguments(args, {"id": "7", "x": 1}) == {"id": "7", "list": [1, 2], "obj": {"k": None}}
