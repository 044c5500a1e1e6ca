"""TypeScript (`.ts`) to JavaScript by erasing types, as k6 v1.x runs `.ts` scripts.

Type annotations, type parameters and arguments, interfaces, type aliases, `declare`, `import type`,
`as`/`satisfies`/`!` and class member modifiers are blanked out with spaces (newlines kept), so every
line and column stays where the author wrote it. Syntax that needs code generation (enums,
namespaces, constructor parameter properties, decorators) is refused with file:line.
"""

from __future__ import annotations

from functools import cache

from tree_sitter import Language, Node, Parser

from loadpy.errors import ScriptError


@cache
def _parser() -> Parser:
    """The TypeScript grammar, loaded by the first `.ts` file (a JavaScript run does without it)."""
    import tree_sitter_typescript

    return Parser(Language(tree_sitter_typescript.language_typescript()))


# nodes that are only types: erased whole
_ERASE = frozenset(
    {
        "type_annotation",
        "type_parameters",
        "type_arguments",
        "interface_declaration",
        "type_alias_declaration",
        "ambient_declaration",
        "implements_clause",
        "accessibility_modifier",
        "override_modifier",
        "function_signature",
        "abstract_method_signature",
        "index_signature",
        "asserts_annotation",
        "type_predicate_annotation",
        "omitting_type_annotation",
        "opting_type_annotation",
    }
)
_REFUSE = {
    "enum_declaration": "enums",
    "internal_module": "namespaces",
    "module": "namespaces",
    "decorator": "decorators",
}
# keywords erased where they modify a class member or a declaration
_MODIFIERS = frozenset({"readonly", "abstract", "declare"})
_MARKED = frozenset({"optional_parameter", "public_field_definition", "property_signature", "method_definition"})


def strip_types(source: bytes, path: str) -> bytes:
    """The JavaScript of a TypeScript file, same lines and columns; ScriptError on what cannot be erased."""
    tree = _parser().parse(source)
    spans: list[tuple[int, int]] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind in _REFUSE:
            line = node.start_point[0] + 1
            raise ScriptError(f"{path}:{line}: TypeScript {_REFUSE[kind]} are not supported (types are only erased)")
        if kind in _ERASE or _type_only_statement(node):
            spans.append((node.start_byte, node.end_byte))
            continue
        if kind in ("as_expression", "satisfies_expression"):
            value = node.named_children[0] if node.named_children else None
            if value is not None:
                spans.append((value.end_byte, node.end_byte))
                stack.append(value)
            continue
        if kind == "non_null_expression":
            spans.append((node.end_byte - 1, node.end_byte))
        if kind in ("required_parameter", "optional_parameter") and any(
            c.type in ("accessibility_modifier", "readonly") for c in node.children
        ):
            line = node.start_point[0] + 1
            raise ScriptError(f"{path}:{line}: TypeScript constructor parameter properties are not supported")
        for child in node.children:
            if _erased_token(child, kind):
                spans.append((child.start_byte, child.end_byte))
            else:
                stack.append(child)
    out = bytearray(source)
    for start, end in spans:
        out[start:end] = bytes(b if b in (0x0A, 0x0D) else 0x20 for b in source[start:end])
    return bytes(out)


def _erased_token(child: Node, parent_kind: str) -> bool:
    """A modifier keyword, or the `?`/`!` of an optional or definitely-assigned member."""
    if child.is_named:
        return False
    return child.type in _MODIFIERS or (child.type in ("?", "!") and parent_kind in _MARKED)


def _type_only_statement(node: Node) -> bool:
    """`import type ...`, `export type { ... }`, `export interface/type ...`."""
    if node.type not in ("import_statement", "export_statement"):
        return False
    if any(c.type == "type" and not c.is_named for c in node.children):
        return True
    declaration = node.child_by_field_name("declaration")
    return declaration is not None and declaration.type in ("interface_declaration", "type_alias_declaration")
