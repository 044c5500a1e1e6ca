"""Expressions and templates, compiled once at load time.

* `${NAME}` is environment substitution, done once at load (loadpy.config.loader rules), after a
  template is split and its expressions parsed: a value lands in text or in a string literal as
  data, so a value holding `{{ }}` or quotes is never read as a template or as code.
* `{{ expr }}` is a per-iteration Python expression. A string made of one `{{ expr }}` yields
  the raw value (so `json: {id: "{{ vu }}"}` sends a number); mixed strings yield text.
* An expression is compiled into a lambda whose parameters are exactly the free names it
  uses; each name is resolved by a getter chosen at load time, so evaluation does no
  dict building and comprehensions see every name (unlike eval with a locals mapping).
"""

from __future__ import annotations

import ast
import builtins
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from loadpy.config.loader import substitute_env
from loadpy.errors import ConfigError, did_you_mean

# (state, response) -> value; state is a VUState, response a Response or None.
Getter = Callable[[Any, Any], Any]

_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.S)
_BUILTIN_NAMES = frozenset(dir(builtins))
# A YAML scenario is data that gets shared and reviewed as such: its expressions may compute, not
# reach the interpreter, the file system or the process (a Python script is the place for that).
# Not a sandbox, a guard against the obvious: dunder access and these builtins fail at load time.
_FORBIDDEN_BUILTINS = frozenset(
    {
        "open",
        "exec",
        "eval",
        "compile",
        "input",
        "breakpoint",
        "globals",
        "locals",
        "vars",
        "exit",
        "quit",
        "help",
        "setattr",
        "delattr",
        "memoryview",
    }
)


def format_value(value: Any) -> str:
    """How a template value is written into text (JSON-like, as a k6 template literal would)."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value)


def free_names(tree: ast.AST) -> list[str]:
    """Names an expression reads that it does not bind itself (comprehension targets, lambda args)."""
    loads: list[str] = []
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                if node.id not in loads:
                    loads.append(node.id)
            else:
                bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return [n for n in loads if n not in bound]


class Expr:
    """A compiled expression: `evaluate(state, response)`."""

    __slots__ = ("fn", "getters", "names", "source")

    def __init__(self, source: str, names: tuple[str, ...], fn: Callable[..., Any], getters: tuple[Getter, ...]):
        self.source = source
        self.names = names
        self.fn = fn
        self.getters = getters

    def evaluate(self, state: Any, response: Any = None) -> Any:
        getters = self.getters
        if not getters:
            return self.fn()
        if len(getters) == 1:
            return self.fn(getters[0](state, response))
        return self.fn(*[g(state, response) for g in getters])


class Scope:
    """The names an expression may use: getters (per call) and constants (bound at load)."""

    def __init__(
        self, getters: Mapping[str, Getter], constants: Mapping[str, Any], env: Mapping[str, str] | None = None
    ) -> None:
        self.getters = dict(getters)
        self.constants = dict(constants)
        self.env = env  # `${NAME}` values; None leaves `${...}` as written
        self._compiled: dict[str, Callable[..., Any]] = {}  # lambda source -> function (pure, so shareable)
        # expression text -> (lambda body, free names): parsing and vetting depend only on the text and
        # env, so a file repeating `status == 200` 48,000 times parses it once
        self._analysed: dict[tuple[str, str | None], tuple[str, tuple[str, ...]]] = {}

    def extended(self, getters: Mapping[str, Getter]) -> Scope:
        """The same constants and env with more getters; compiled expressions stay shared."""
        scope = Scope({**self.getters, **getters}, self.constants, self.env)
        scope._compiled, scope._analysed = self._compiled, self._analysed
        return scope

    def substitute(self, text: str) -> str:
        """`${NAME}` in plain text (not a template): the value, as data."""
        return text if self.env is None else substitute_env(text, self.env)

    def known(self) -> list[str]:
        return [*self.getters, *self.constants]

    def compile(self, source: str, *, wrap: str | None = None) -> Expr:
        """Compile `source` (an expression); `wrap` is an expression around it, e.g. '_fmt({})'.

        Raises ConfigError (without location; callers add it) on syntax errors and unknown names.
        """
        text = source.strip()
        if not text:
            raise ConfigError("empty expression")
        analysed = self._analysed.get((text, wrap))
        if analysed is None:
            tree, body = self._parse(text, f"invalid expression {text!r}")
            analysed = self._analyse(text, tree, body if wrap is None else wrap.format(f"({body})"))
            self._analysed[text, wrap] = analysed
        return self._build(text, *analysed)

    def _parse(self, source: str, what: str) -> tuple[ast.Expression, str]:
        """The tree of one expression and its source, `${NAME}` replaced inside its string literals only."""
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError as exc:
            hint = _ENV_IN_CODE_HINT if "${" in source else None
            raise ConfigError(f"{what}: {exc.msg}", hint=hint) from None
        if self.env is None or "$" not in source:
            return tree, source
        tree = _EnvInStrings(self.substitute).visit(tree)
        return tree, ast.unparse(tree)

    @staticmethod
    def _analyse(text: str, tree: ast.AST, body: str) -> tuple[str, tuple[str, ...]]:
        _reject_unsafe(text, tree)
        return body, tuple(free_names(tree))

    def _build(self, text: str, body: str, free: tuple[str, ...]) -> Expr:
        names = []
        for name in free:
            if name in self.getters:  # before builtins: `iter` is the iteration number here
                names.append(name)
                continue
            if name in self.constants or name in _BUILTIN_NAMES:
                continue
            hint = did_you_mean(name, self.known())
            raise ConfigError(
                f"unknown name '{name}' in expression {text!r}",
                hint=hint or "available: " + ", ".join(sorted(self.known())),
            )
        source = f"lambda {', '.join(names)}: {body}"
        fn = self._compiled.get(source)
        if fn is None:  # one code object per distinct expression: a file may repeat a check 10,000 times
            glb = {"__builtins__": builtins, "_fmt": format_value, **self.constants}
            fn = self._compiled[source] = eval(compile(source, "<expression>", "eval"), glb)  # at load, not per request
        return Expr(text, tuple(names), fn, tuple(self.getters[n] for n in names))

    def template(self, text: str) -> Expr | None:
        """Compile a `{{ }}` template; None when `text` has no template (a constant)."""
        if "{{" not in text:
            return None
        analysed = self._analysed.get((text, "{{}}"))
        if analysed is None:
            analysed = self._analysed[text, "{{}}"] = self._analyse_template(text)
        return self._build(text, *analysed) if analysed[0] else self.compile(analysed[1][0])

    def _analyse_template(self, text: str) -> tuple[str, tuple[str, ...]]:
        """(lambda body, free names) of a template; ("", (expression,)) when it is one whole expression."""
        parts = _TEMPLATE.split(text)
        if len(parts) == 3 and parts[0] == "" and parts[2] == "":
            return "", (parts[1],)  # the whole string is one expression: keep its type
        pieces: list[str] = []
        trees: list[ast.AST] = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                if "{{" in part:
                    raise ConfigError(f"unclosed '{{{{' in template {text!r}")
                if part:
                    pieces.append(repr(self.substitute(part)))
            else:
                src = part.strip()
                tree, body = self._parse(src, f"invalid expression {src!r} in template {text!r}")
                trees.append(tree)
                pieces.append(f"_fmt(({body}))")
        combined = ast.Module(body=[ast.Expr(t.body) for t in trees if isinstance(t, ast.Expression)], type_ignores=[])
        return self._analyse(text, combined, " + ".join(pieces))


_ENV_IN_CODE_HINT = "in an expression ${NAME} is replaced inside string literals only: write '${NAME}' or env['NAME']"


class _EnvInStrings(ast.NodeTransformer):
    """Replaces `${NAME}` inside string literals: the value becomes part of a constant, never code."""

    def __init__(self, substitute: Callable[[str], str]) -> None:
        self.substitute = substitute

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str) and "$" in node.value:
            return ast.copy_location(ast.Constant(self.substitute(node.value)), node)
        return node


def _reject_unsafe(text: str, tree: ast.AST) -> None:
    for node in ast.walk(tree):
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if name is None:
            continue
        if name.startswith("__") or (isinstance(node, ast.Name) and name in _FORBIDDEN_BUILTINS):
            raise ConfigError(
                f"'{name}' is not allowed in expression {text!r}",
                hint="scenario expressions compute values; use a Python script (.py) for arbitrary code",
            )


class Value:
    """A possibly-templated YAML value (scalar, list or mapping): `get(state, response)`."""

    __slots__ = ("constant", "get", "value")

    def __init__(self, value: Any, getter: Callable[[Any, Any], Any] | None) -> None:
        self.value = value
        self.constant = getter is None
        self.get: Callable[[Any, Any], Any] = getter if getter is not None else (lambda s, r: value)


def compile_value(scope: Scope, value: Any) -> Value:
    """Compile nested strings of `value`; fully constant values stay as they are."""
    if isinstance(value, str):
        expr = scope.template(value)
        return Value(scope.substitute(value), None) if expr is None else Value(value, expr.evaluate)
    if isinstance(value, dict):
        items = [(k, compile_value(scope, v)) for k, v in value.items()]
        if all(v.constant for _, v in items):
            return Value({k: v.value for k, v in items}, None)
        return Value(value, lambda s, r: {k: v.get(s, r) for k, v in items})
    if isinstance(value, list):
        elems = [compile_value(scope, v) for v in value]
        if all(v.constant for v in elems):
            return Value([v.value for v in elems], None)
        return Value(value, lambda s, r: [v.get(s, r) for v in elems])
    return Value(value, None)


def substitute_env_deep(value: Any, env: Mapping[str, str], key: str | None = None) -> Any:
    """`${NAME}` substitution over every string of a nested YAML value that is data, never a template."""
    if isinstance(value, str):
        return substitute_env(value, env, key=key)
    if isinstance(value, dict):
        return {k: substitute_env_deep(v, env, key) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute_env_deep(v, env, key) for v in value]
    return value
