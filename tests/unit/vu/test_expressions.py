"""Expressions and `{{ }}` templates: compiled once, evaluated against VU state and a response."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from loadpy.errors import ConfigError
from loadpy.vu.data import Record
from loadpy.vu.expressions import Scope, compile_value, format_value

STATE = {"vu": lambda s, r: s.id, "iter": lambda s, r: s.iteration}
USERS = (Record(id="a1"), Record(id="b2"), Record(id="c3"))


def scope() -> Scope:
    return Scope(STATE, {"users": USERS})


def test_string_without_template_is_constant() -> None:
    assert scope().template("http://x/items") is None
    value = compile_value(scope(), {"a": "b", "n": [1, 2]})
    assert value.constant and value.get(None, None) == {"a": "b", "n": [1, 2]}


def test_template_uses_data_records_and_vu() -> None:
    expr = scope().template("http://x/items/{{ users[vu % len(users)].id }}?i={{ iter }}")
    assert expr is not None
    assert set(expr.names) == {"vu", "iter"}  # data arrays are bound at load, not looked up per call
    assert expr.evaluate(SimpleNamespace(id=4, iteration=7)) == "http://x/items/b2?i=7"


def test_single_expression_keeps_its_type() -> None:
    value = compile_value(scope(), {"id": "{{ vu * 10 }}", "flag": "{{ vu > 1 }}", "s": "v{{ vu }}"})
    assert value.get(SimpleNamespace(id=2, iteration=0), None) == {"id": 20, "flag": True, "s": "v2"}


def test_comprehensions_see_every_name() -> None:
    expr = scope().compile("[u.id for u in users if u.id != users[vu].id]")
    assert expr.evaluate(SimpleNamespace(id=0, iteration=0)) == ["b2", "c3"]


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(ConfigError) as err:
        scope().compile("user[0]")
    assert err.value.message == "unknown name 'user' in expression 'user[0]'"
    assert err.value.hint == "did you mean users?"


def test_syntax_error_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"invalid expression 'status ==': invalid syntax"):
        scope().compile("status ==")
    with pytest.raises(ConfigError, match=r"invalid expression 'vu \+' in template"):
        scope().template("a{{ vu + }}b")


def test_format_value_is_json_like() -> None:
    assert [format_value(v) for v in (True, None, 1.5, {"a": [1]}, "x")] == ["true", "", "1.5", '{"a":[1]}', "x"]


def test_a_repeated_expression_is_compiled_once_across_step_scopes() -> None:
    """A generated file repeats `status == 200` in every step: each step's scope reuses one function."""
    root = scope()
    step_a = root.extended({"status": lambda s, r: r.status})
    step_b = root.extended({"status": lambda s, r: r.status * 0 + 404})
    first, second = step_a.compile("status == 200"), step_b.compile("status == 200")
    assert first.fn is second.fn
    response = SimpleNamespace(status=200)
    assert first.evaluate(None, response) is True and second.evaluate(None, response) is False  # each its own getters
    mixed_a = step_a.template("Bearer {{ vu }}-{{ status }}")
    mixed_b = step_b.template("Bearer {{ vu }}-{{ status }}")
    assert mixed_a is not None and mixed_b is not None and mixed_a.fn is mixed_b.fn
    state = SimpleNamespace(id=3, iteration=0)
    assert (mixed_a.evaluate(state, response), mixed_b.evaluate(state, response)) == ("Bearer 3-200", "Bearer 3-404")


def test_an_unknown_name_is_refused_in_every_scope_that_lacks_it() -> None:
    root = scope()
    assert root.extended({"status": lambda s, r: 200}).compile("status == 200") is not None
    with pytest.raises(ConfigError, match="unknown name 'status'"):
        root.compile("status == 200")  # analysed before, still checked against this scope's names
