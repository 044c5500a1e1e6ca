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
    ("source", "operation", "tags"),
    [
        # fragments first: the old head-of-document guess saw no operation at all
        ("fragment F on Query { hello }\nquery Q { ...F }", None, ("Q", "query")),
        (
            "fragment U on User { id }\nmutation Add($c: String) { addMessage(content: $c) { ...U } }",
            None,
            ("Add", "mutation"),
        ),
        # several operations sharing a fragment: the named one decides the type
        ("query A { ...F }\nmutation B { m { ...F } }\nfragment F on X { id }", "B", ("B", "mutation")),
        ("query A { ...F }\nsubscription S { tick { ...F } }\nfragment F on X { id }", "S", ("S", "subscription")),
        # a comment naming another operation type, an inline fragment
        ("# mutation in a comment\nquery Q { a { ... on A { b } } }", None, ("Q", "query")),
        ("query A { a } query B { b }", "nope", ("nope", "")),
    ],
)
def test_operation_tags_of_documents_with_fragments(source: str, operation: str | None, tags: tuple) -> None:
    assert operation_info(source, operation) == tags


def test_fragments_are_expanded_in_place() -> None:
    [op] = parse(
        "query Q($id: ID) { user(id: $id) { ...Who ... on User { posts { ...Title } } } }"
        " fragment Who on User { id name: fullName }"
        " fragment Title on Post { title }"
    )
    [user] = op.selections
    assert user.arguments == {"id": Variable("id")}
    assert [(f.name, f.alias) for f in user.selections] == [("id", None), ("fullName", "name"), ("posts", None)]
    assert [f.name for f in user.selections[2].selections] == ["title"]


def test_parsing_is_cached_per_document() -> None:
    source = "query Cached { hello }"
    assert parse(source) == parse(source)
    assert parse(source)[0] is parse(source)[0]
    assert operation_info(source) is operation_info(source)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{ hello ", "Syntax Error: Expected Name, found <EOF>."),
        ("{ }", "Syntax Error: Expected Name, found '}'."),
        ("query { a } %", "Syntax Error: Unexpected character: '%'."),
        ("", "Syntax Error: Unexpected <EOF>."),
        ("banana { a }", "Syntax Error: Unexpected Name 'banana'."),
        ("fragment F on A { b }", "Must provide an operation."),
        ("{ a { ...F } }", 'Unknown fragment "F".'),
        ("{ a { ...F } } fragment F on A { b { ...F } }", 'Cannot spread fragment "F" within itself.'),
    ],
)
def test_syntax_errors(source: str, message: str) -> None:
    with pytest.raises(GraphQLSyntaxError) as info:
        parse(source)
    assert str(info.value) == message


def test_resolve_arguments_substitutes_variables_deeply() -> None:
    args = {"id": Variable("id"), "list": [Variable("x"), 2], "obj": {"k": Variable("missing")}}
    assert resolve_arguments(args, {"id": "7", "x": 1}) == {"id": "7", "list": [1, 2], "obj": {"k": None}}
