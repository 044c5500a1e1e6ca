"""Property tests for `{{ }}` template rendering (loadpy.vu.expressions): literal text survives
verbatim, values are spliced with format_value, a lone expression keeps its type, and any input
either compiles or fails with a ConfigError (never another exception, never at run time)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from loadpy.errors import ConfigError
from loadpy.vu.expressions import Scope, format_value

# text that holds no template markers (the only way to spell a literal '{{' is not to)
literal = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30).filter(
    lambda s: "{{" not in s and "}}" not in s and not s.endswith("{") and not s.startswith("}")
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=10), st.floats(allow_nan=False, allow_infinity=False)
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
)


def scope_with(value: Any) -> Scope:
    return Scope({"x": lambda state, response: value}, {})


@given(literal)
def test_text_without_markers_is_a_constant(text: str) -> None:
    assert Scope({}, {}).template(text) is None


@given(literal, values, literal)
def test_a_value_is_spliced_between_literal_text(before: str, value: Any, after: str) -> None:
    expr = scope_with(value).template(before + "{{ x }}" + after)
    if before or after:
        assert expr is not None
        assert expr.evaluate(None) == before + format_value(value) + after
    else:
        assert expr is not None and expr.evaluate(None) is value  # a lone expression keeps its type


@given(st.lists(st.tuples(literal, st.integers()), min_size=1, max_size=4))
def test_several_expressions_render_in_order(parts: list[tuple[str, int]]) -> None:
    text = "".join(f"{lit}{{{{ {n} }}}}" for lit, n in parts) + "!"
    expr = Scope({}, {}).template(text)
    assert expr is not None
    assert expr.evaluate(None) == "".join(f"{lit}{n}" for lit, n in parts) + "!"


@given(values)
def test_containers_render_as_compact_json(value: Any) -> None:
    if isinstance(value, dict | list):
        assert format_value(value) == json.dumps(value, separators=(",", ":"), default=str)


@given(st.text(max_size=40))
def test_any_text_compiles_or_is_a_config_error(text: str) -> None:
    scope = Scope({"vu": lambda s, r: 1, "iter": lambda s, r: 2}, {})
    try:
        scope.template(text)
    except ConfigError as exc:
        assert exc.message
