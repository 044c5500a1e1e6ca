"""Bundle a k6 script and its local modules into one JavaScript program, line numbers kept.

QuickJS evaluates one script per context, so every ES module (or CommonJS file) is rewritten in
place into a function registered with the prelude's module table (`__lp_define`): `import`
statements become `__lp_import(...)` bindings, `export` statements become getters on `exports`
(defined on the module's first line, so a late `let` stays live), and each rewrite keeps the
statement's line count. A `LineMap` turns a bundle line back into (file, line) for errors.

The syntax tree comes from tree-sitter (the grammar knows `?.`, `??`, classes with private fields).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter_javascript
from tree_sitter import Language, Node, Parser

from loadpy.errors import ScriptError
from loadpy.js.modules import jslib_module
from loadpy.js.typescript import strip_types

_PARSER = Parser(Language(tree_sitter_javascript.language()))
REMOTE_PREFIXES = ("https://", "http://")
# a directory of copies of remote modules: https://host/path is read from $LOADPY_JSLIB_DIR/host/path
JSLIB_DIR_ENV = "LOADPY_JSLIB_DIR"


def _copy_path(url: str) -> str:
    """`https://jslib.k6.io/x/1.0.0/index.js` → `jslib.k6.io/x/1.0.0/index.js` (no query, no `..`)."""
    rest = url.split("://", 1)[1].split("?", 1)[0].split("#", 1)[0]
    return "/".join(part for part in rest.split("/") if part not in ("", ".", ".."))


def _local_copy(url: str) -> Path | None:
    """The copy of a remote module in the LOADPY_JSLIB_DIR directory, when there is one: it wins over
    a built-in jslib (the user gave the real library)."""
    folder = os.environ.get(JSLIB_DIR_ENV)
    if not folder:
        return None
    file = Path(folder) / _copy_path(url)
    return file if file.is_file() else None


class ModuleNotFound(ScriptError):
    """An import that names no file and no built-in module (k6 exit 107)."""


@dataclass
class Unit:
    """One module of the bundle: where it came from and its rewritten source."""

    module_id: str  # the absolute path, or the name of a built-in module
    path: str  # as the user named it (for messages)
    code: str  # rewritten, same number of lines as the original
    resolved: dict[str, str | dict[str, str]]  # specifier -> module id, or {"error": why} for a require()
    one_liners: list[tuple[str, int]] = field(default_factory=list)  # (function name, line)
    is_es: bool = False  # an ES module (import/export), not CommonJS


@dataclass
class LineMap:
    """Bundle lines back to the files they came from."""

    spans: list[tuple[int, int, str]] = field(default_factory=list)  # (first bundle line, line count, file)
    # functions written on one line, by name (None when two share a name): QuickJS gives their frames
    # no line number, and their definition line is the line that threw
    one_liners: dict[str, tuple[str, int] | None] = field(default_factory=dict)

    def locate(self, bundle_line: int) -> tuple[str, int] | None:
        for first, count, path in self.spans:
            if first <= bundle_line < first + count:
                return path, bundle_line - first + 1
        return None


@dataclass
class Bundle:
    main_id: str
    source: str
    lines: LineMap


def _text(node: Node) -> str:
    return node.text.decode() if node.text is not None else ""


def _string_value(node: Node) -> str:
    return _text(node)[1:-1]


def _declared_names(node: Node) -> list[str]:
    """The identifiers a declaration binds (destructuring patterns included)."""
    if node.type in ("function_declaration", "generator_function_declaration", "class_declaration"):
        name = node.child_by_field_name("name")
        return [_text(name)] if name is not None else []
    names: list[str] = []
    for declarator in node.children:
        if declarator.type == "variable_declarator":
            target = declarator.child_by_field_name("name")
            if target is not None:
                names.extend(_pattern_names(target))
    return names


def _pattern_names(node: Node) -> list[str]:
    if node.type in ("identifier", "shorthand_property_identifier_pattern"):
        return [_text(node)]
    if node.type == "pair_pattern":
        value = node.child_by_field_name("value")
        return _pattern_names(value) if value is not None else []
    if node.type == "assignment_pattern":
        left = node.child_by_field_name("left")
        return _pattern_names(left) if left is not None else []
    names: list[str] = []
    for child in node.named_children:
        names.extend(_pattern_names(child))
    return names


def _specifiers(clause: Node) -> list[tuple[str, str]]:
    """`{ a, b as c }` → [(a, a), (b, c)] as (imported/local name, exported/bound name)."""
    out = []
    for spec in clause.named_children:
        if spec.type not in ("import_specifier", "export_specifier"):
            continue
        name = spec.child_by_field_name("name")
        alias = spec.child_by_field_name("alias")
        if name is None:
            continue
        out.append((_text(name), _text(alias) if alias is not None else _text(name)))
    return out


class _Rewriter:
    """Rewrites one module's import/export statements; collects its dependencies."""

    def __init__(self, path: str, source: bytes) -> None:
        self.path = path
        self.source = source
        self.edits: list[tuple[int, int, str]] = []  # (start byte, end byte, replacement)
        self.exports: list[tuple[str, str]] = []  # (exported name, local expression)
        self.star_exports: list[str] = []  # specifiers re-exported with `export *`
        self.one_liners: list[tuple[str, int]] = []  # (function name, line)
        self.specifiers: list[tuple[str, int, bool]] = []  # (specifier, line, is a require()) in order
        self._counter = 0

    def _dep(self, spec: str, line: int) -> str:
        self.specifiers.append((spec, line, False))
        return f"__lp_import({json.dumps(spec)})"

    def _replace(self, node: Node, text: str) -> None:
        # keep the statement's line count so every later line keeps its number
        newlines = _text(node).count("\n")
        self.edits.append((node.start_byte, node.end_byte, text + "\n" * newlines))

    def _temp(self) -> str:
        self._counter += 1
        return f"__lp_m{self._counter}"

    def run(self, root: Node) -> None:
        for node in root.children:
            if node.type == "import_statement":
                self._import(node)
            elif node.type == "export_statement":
                self._export(node)
        self._requires(root)

    def _import(self, node: Node) -> None:
        source = node.child_by_field_name("source")
        if source is None:
            return
        line = node.start_point[0] + 1
        module = self._dep(_string_value(source), line)
        clause = next((c for c in node.children if c.type == "import_clause"), None)
        if clause is None:
            self._replace(node, f"{module};")
            return
        temp = self._temp()
        parts = [f"const {temp} = {module};"]
        for child in clause.named_children:
            if child.type == "identifier":
                parts.append(f"const {_text(child)} = __lp_default({temp});")
            elif child.type == "namespace_import":
                name = next((c for c in child.named_children if c.type == "identifier"), None)
                if name is not None:
                    parts.append(f"const {_text(name)} = {temp};")
            elif child.type == "named_imports":
                for imported, local in _specifiers(child):
                    key = "default" if imported == "default" else imported
                    parts.append(f"const {local} = __lp_named({temp}, {json.dumps(key)});")
        self._replace(node, " ".join(parts))

    def _export(self, node: Node) -> None:
        source = node.child_by_field_name("source")
        declaration = node.child_by_field_name("declaration")
        value = node.child_by_field_name("value")
        line = node.start_point[0] + 1
        if source is not None:
            module = self._dep(_string_value(source), line)
            clause = next((c for c in node.children if c.type == "export_clause"), None)
            if clause is None:  # export * from '...'
                self.star_exports.append(module)
                self._replace(node, "")
                return
            temp = self._temp()
            self._replace(node, f"const {temp} = {module};")
            for name, alias in _specifiers(clause):
                self.exports.append((alias, f"__lp_named({temp}, {json.dumps(name)})"))
            return
        if any(c.type == "default" for c in node.children):
            target = value or declaration
            if target is None:
                return
            declared = target.child_by_field_name("name")
            if target.type.endswith("_declaration") and declared is not None:
                self.exports.append(("default", _text(declared)))
                self.edits.append((node.start_byte, target.start_byte, ""))
            else:
                self.exports.append(("default", "__lp_default_export"))
                self.edits.append((node.start_byte, target.start_byte, "var __lp_default_export = "))
            return
        if declaration is not None:
            for name in _declared_names(declaration):
                self.exports.append((name, name))
            # drop the `export` keyword: the declaration stays where it is
            self.edits.append((node.start_byte, declaration.start_byte, ""))
            return
        clause = next((c for c in node.children if c.type == "export_clause"), None)
        if clause is not None:
            for local, exported in _specifiers(clause):
                self.exports.append((exported, local))
            self._replace(node, "")

    def _guard(self, loop: Node) -> None:
        """Put LOOP_GUARD first in the loop's body (braces added around a single statement), on the
        body's first line: lines keep their numbers."""
        body = loop.child_by_field_name("body")
        if body is None:
            return
        if body.type == "statement_block":
            self.edits.append((body.start_byte + 1, body.start_byte + 1, LOOP_GUARD))
        else:
            self.edits.append((body.start_byte, body.start_byte, "{" + LOOP_GUARD))
            self.edits.append((body.end_byte, body.end_byte, "}"))

    def _requires(self, root: Node) -> None:
        """CommonJS `require('x')` with a literal string: a dependency like an import (and one-line
        functions, see LineMap.one_liners; loops get their guard on the way)."""
        stack = [root]
        while stack:
            node = stack.pop()
            if node.type in _LOOPS:
                self._guard(node)
            if node.start_point[0] == node.end_point[0] and node.type in _FUNCTIONS:
                name = _function_name(node)
                if name:
                    self.one_liners.append((name, node.start_point[0] + 1))
            if node.type == "call_expression":
                fn = node.child_by_field_name("function")
                args = node.child_by_field_name("arguments")
                if fn is not None and _text(fn) == "require" and args is not None:
                    strings = [a for a in args.named_children if a.type == "string"]
                    if len(args.named_children) == 1 and strings:
                        self.specifiers.append((_string_value(strings[0]), node.start_point[0] + 1, True))
            stack.extend(node.children)

    def output(self) -> str:
        data = bytearray(self.source)
        for start, end, text in sorted(self.edits, reverse=True):
            data[start:end] = text.encode()
        return data.decode()


_LOOPS = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})
# At the top of every loop body: every LOOP_GUARD_EVERY passes, a host call lets the other VUs of
# the process run, and throws once the iteration is hard-stopped. The counter is the module's own
# (a parameter of its function, 0 when the prelude calls it): a closure variable costs less than a
# global, and a module's own `"use strict"` stays its first statement.
LOOP_GUARD_EVERY = 100_000
LOOP_GUARD = f"if (++__lp_n > {LOOP_GUARD_EVERY}) __lp_n = __lp_tick();"

_FUNCTIONS = frozenset(
    {
        "function_declaration",
        "function_expression",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
    }
)


def _function_name(node: Node) -> str:
    """The name QuickJS shows for a function: its own, or the variable, property or key it is assigned to."""
    own = node.child_by_field_name("name")
    if own is not None:
        return _text(own)
    parent = node.parent
    if parent is None:
        return ""
    if parent.type == "variable_declarator":
        target = parent.child_by_field_name("name")
        return _text(target) if target is not None and target.type == "identifier" else ""
    if parent.type == "pair":
        key = parent.child_by_field_name("key")
        return _text(key).strip("'\"") if key is not None else ""
    if parent.type == "export_statement":
        return "__lp_default_export"  # `export default function () {}` (named `default` in frames)
    return ""


def _first_error(node: Node) -> Node | None:
    if node.type == "ERROR" or node.is_missing:
        return node
    if not node.has_error:
        return None
    for child in node.children:
        found = _first_error(child)
        if found is not None:
            return found
    return node


def _module_header(rw: _Rewriter, is_es: bool) -> str:
    """Code put on the module's first line: export getters (hoisted, live) and `export *` copies."""
    parts = []
    if is_es:
        parts.append("Object.defineProperty(exports, '__esModule', {value: true});")
    for exported, expr in rw.exports:
        parts.append(
            f"Object.defineProperty(exports, {json.dumps(exported)}, "
            f"{{enumerable: true, configurable: true, get: () => {expr}}});"
        )
    return " ".join(parts)


def _module_footer(rw: _Rewriter) -> str:
    return " ".join(f"__lp_star(exports, {module});" for module in rw.star_exports)


class Bundler:
    """Resolves the module graph of one script; `builtins` are the names the prelude defines."""

    def __init__(self, builtins: set[str]) -> None:
        self.builtins = builtins
        self.units: dict[str, Unit] = {}

    def add_file(self, path: str, display: str | None = None) -> str:
        file = Path(path).resolve()
        module_id = str(file)
        if module_id in self.units:
            return module_id
        try:
            source = file.read_bytes()
        except OSError as exc:
            raise ScriptError(f"{display or path}: cannot read the module: {exc.strerror}") from None
        shown = display or path
        if file.suffix in (".ts", ".mts", ".cts"):
            source = strip_types(source, shown)
        tree = _PARSER.parse(source)
        bad = _first_error(tree.root_node)
        if bad is not None:
            line, column = bad.start_point
            snippet = source.splitlines()[line].decode(errors="replace").strip() if source else ""
            raise ScriptError(f"{shown}:{line + 1}:{column + 1}: SyntaxError: unexpected token in `{snippet[:60]}`")
        rw = _Rewriter(shown, source)
        rw.run(tree.root_node)
        is_es = any(n.type in ("import_statement", "export_statement") for n in tree.root_node.children)
        code = rw.output()
        header = _module_header(rw, is_es)
        footer = _module_footer(rw)
        if footer:
            code = f"{code}\n{footer}"
        unit = Unit(module_id, shown, f"{header} {code}", {}, rw.one_liners, is_es)
        self.units[module_id] = unit
        for spec, line, is_require in rw.specifiers:
            try:
                unit.resolved[spec] = self._resolve(spec, file.parent, shown, line)
            except ModuleNotFound as exc:
                if not is_require:
                    raise
                # CommonJS resolves when require() runs: a Node-only branch may never call it
                unit.resolved.setdefault(spec, {"error": str(exc)})
        return module_id

    def _resolve(self, spec: str, folder: Path, importer: str, line: int) -> str:
        if spec in self.builtins:
            return spec
        if spec.startswith(REMOTE_PREFIXES):
            local = _local_copy(spec)
            if local is not None:
                return self.add_file(str(local), spec)
            builtin = jslib_module(spec)
            if builtin is not None:
                return builtin
            raise ModuleNotFound(
                f"{importer}:{line}: cannot import {spec}: remote modules are not fetched by loadpy "
                f"(put a copy at {JSLIB_DIR_ENV}/{_copy_path(spec)} and set {JSLIB_DIR_ENV}, or download "
                "the file next to the script and import it by a relative path)"
            )
        if spec.startswith("k6/") or spec == "k6":
            raise ModuleNotFound(f"{importer}:{line}: unknown module: {spec}")
        if spec.startswith(("./", "../", "/", "file://")):
            target = spec.removeprefix("file://")
            file = Path(target) if os.path.isabs(target) else folder / target
            for suffix in (".js", ".ts"):  # `require('./lib')` (CommonJS habit), `import './lib'` (TypeScript)
                if not file.is_file() and file.with_name(file.name + suffix).is_file():
                    file = file.with_name(file.name + suffix)
            if not file.is_file():
                raise ModuleNotFound(f"{importer}:{line}: cannot import {spec}: no such file {file}")
            shown = os.path.relpath(file) if not os.path.isabs(target) else str(file)
            return self.add_file(str(file), shown)
        raise ModuleNotFound(
            f"{importer}:{line}: cannot import {spec}: only k6 modules and relative paths (./, ../) can be imported"
        )

    def builtins_imported(self) -> set[str]:
        """The built-in modules the units import or require (resolved ones: a require() that names no
        module stays an error when it runs)."""
        return {
            target
            for unit in self.units.values()
            for target in unit.resolved.values()
            if isinstance(target, str) and target in self.builtins
        }

    def bundle(self, main_id: str, first_line: int) -> Bundle:
        """All units as `__lp_define(id, deps, function (...) {<code>\n});`, starting at `first_line`."""
        pieces: list[str] = []
        lines = LineMap()
        line = first_line
        for unit in self.units.values():
            count = unit.code.count("\n") + 1
            lines.spans.append((line, count, unit.module_id))
            for name, at in unit.one_liners:
                lines.one_liners[name] = None if name in lines.one_liners else (unit.module_id, at)
            # k6 compiles every module strict, CommonJS too; an ES module's top-level `this` is
            # undefined (bound: the prelude calls each module with its exports as `this`, CommonJS's)
            head = (
                f"__lp_define({json.dumps(unit.module_id)}, {json.dumps(unit.resolved)}, "
                f'function (exports, module, require, __lp_import, open, __lp_n) {{"use strict"; '
            )
            tail = ".bind(undefined)" if unit.is_es else ""
            pieces.append(f"{head}{unit.code}\n}}{tail});")
            line += count + 1
        return Bundle(main_id, "\n".join(pieces) + "\n", lines)
