"""The prelude a program starts with: prelude.js without the sections of the modules the script
does not import, then the JavaScript of the Python-bound modules it does import (modules.py).

Every function evaluated in a VU's context costs that context memory (its bytecode, atoms,
objects, shapes: QuickJS shares none of it between contexts), so a module nobody imports is not
evaluated at all. In prelude.js a section is the lines between `//#section <module> ...` and
`//#end`: kept when the script imports any of the modules named, dropped (lines and all) otherwise.
The bundle's line numbers are counted from the prelude actually used (engine.compile_program), and
the prelude's own frames are hidden from stack traces, so a dropped section changes no message.

A part between `//#lazy <name>` and `//#end` is rarely used code (http.batch, cookie jars...): it is
not in any prelude, each context compiles it on its first use from the one copy of its text this
process keeps (`lazy_source`, the host function `__lp_host_source`). In its place the prelude keeps a
comment naming the host functions it calls, so that the context gets them (engine.compile_program).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import cache
from importlib import resources

from loadpy.js.modules import glue_source, needed_modules

SECTION = "//#section "
LAZY = "//#lazy "
END = "//#end"
_HOST_NAME = re.compile(r"\b__lp_host_\w+")


@cache
def _prelude_js() -> tuple[str, dict[str, str]]:
    """prelude.js without its lazy parts, and their texts by name."""
    text = resources.files("loadpy.js").joinpath("prelude.js").read_text(encoding="utf-8")
    return split_lazy(text, "prelude.js")


@cache
def _pieces() -> tuple[tuple[frozenset[str], str], ...]:
    """prelude.js as (modules, text) pieces in order; the core's modules are the empty set."""
    return split_sections(_prelude_js()[0], "prelude.js")


def lazy_source(name: str) -> str:
    """The JavaScript of a lazy part of prelude.js: an expression (a function of what it needs)."""
    return _prelude_js()[1][name]


def split_lazy(text: str, name: str) -> tuple[str, dict[str, str]]:
    """Take the `//#lazy` parts out of JavaScript: (the rest, each part's text by name); a part's
    lines are replaced by one comment naming the host functions the part calls."""
    rest: list[str] = []
    parts: dict[str, str] = {}
    part: str | None = None
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        marker = line.strip()
        if part is None:
            if marker.startswith(LAZY):
                part, lines = marker[len(LAZY) :].strip(), []
            else:
                rest.append(line)
            continue
        if marker.startswith((LAZY, SECTION)):
            raise ValueError(f"{name}:{number}: {marker!r} inside the lazy part {part}")
        if marker != END:
            lines.append(line)
            continue
        parts[part] = "".join(lines)
        calls = " ".join(sorted(set(_HOST_NAME.findall(parts[part]))))
        rest.append(f"// {part}: compiled on first use, calls {calls}\n")
        part = None
    if part is not None:
        raise ValueError(f"{name}: the lazy part {part} has no {END}")
    return "".join(rest), parts


def split_sections(text: str, name: str) -> tuple[tuple[frozenset[str], str], ...]:
    """Split JavaScript into the core and its sections (ValueError on a marker out of place)."""
    pieces: list[tuple[frozenset[str], str]] = []
    modules: frozenset[str] = frozenset()
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        marker = line.strip()
        if marker.startswith(SECTION) or marker == END:
            opening = marker.startswith(SECTION)
            if opening == bool(modules):
                raise ValueError(f"{name}:{number}: {marker!r} {'inside' if opening else 'outside'} a section")
            pieces.append((modules, "".join(lines)))
            modules = frozenset(marker[len(SECTION) :].split()) if opening else frozenset()
            lines = []
        else:
            lines.append(line)
    if modules:
        raise ValueError(f"{name}: section {' '.join(sorted(modules))} has no {END}")
    pieces.append((modules, "".join(lines)))
    return tuple(pieces)


def prelude_source(imported: Collection[str]) -> str:
    """The prelude of a script that imports these built-in modules (ends with a newline)."""
    wanted = needed_modules(imported)
    kept = [text for modules, text in _pieces() if not modules or modules & wanted]
    prelude = "".join(kept)
    if not prelude.endswith("\n"):
        prelude += "\n"
    return prelude + glue_source(wanted)
