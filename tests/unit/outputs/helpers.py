from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLES = Path("/work/shared/k6-reference/samples")


def read_ndjson(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".gz":
        import gzip

        text = gzip.decompress(path.read_bytes()).decode()
    else:
        text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]
