"""`loadpy new --type T [PATH]`: write a ready scenario for a test type."""

from __future__ import annotations

import os
import sys

from loadpy.errors import ConfigError


def write_new(kind: str, path: str | None, *, force: bool = False) -> int:
    from loadpy.config.new import render_template

    text = render_template(kind)
    if path is None:
        sys.stdout.write(text)
        return 0
    if os.path.exists(path) and not force:
        raise ConfigError(f"{path} already exists; pass --force to overwrite it", key="path")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ConfigError(f"cannot write {path}: the folder {folder} does not exist", key="path")
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}", key="path") from None
    print(f"wrote a {kind} test scenario to {path}: run it with `loadpy run {path}`")
    return 0
