"""The prelude a program starts with: prelude.js without the sections of the modules the script
does not import, then the JavaScript of the Python-bound modules it does import (modules.py).

Every function evaluated in a VU's context costs that context memory (its bytecode, atoms,
objects, shapes: QuickJS shares none of it between contexts), so a module nobody imports is not
evaluated at all. In prelude.js a section is the lines between `//#section <module> ...` and
`//#end`: kept when the script imports any of the modules named, dropped (lines and all) otherwise.
The bundle's line numbers are counted from the prelude actually used (engine.compile_program), and
the prelude's own frames are hidden from stack traces, so a dropped section changes no message.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from importlib import resources

from loadpy.js.modules import glue_source, needed_modules

SECTION = "//#section "
END = "//#end"


@cache
def _pieces() -> tuple[tuple[frozenset[str], str], ...]:
    """prelude.js as (modules, text) pieces in order; the core's modules are the empty set."""
    text = resources.files("loadpy.js").joinpath("prelude.js").read_text(encoding="utf-8")
    return split_sections(text, "prelude.js")


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
