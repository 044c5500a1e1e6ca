"""Which values are secret, and the Masker that hides them in text and in structured data."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

from loadpy.secrets.vocabulary import COMPUTED_FIELDS, MD5, USER_DATA_FIELDS, is_fixed_word

MASK = "***"
SECRET_SUFFIXES = ("_SECRET", "_TOKEN", "_PASSWORD")


def is_secret_name(name: str, declared: Iterable[str] = ()) -> bool:
    upper = name.upper()
    return name in set(declared) or upper.endswith(SECRET_SUFFIXES) or upper in ("SECRET", "TOKEN", "PASSWORD")


def secret_values(env_pairs: Iterable[tuple[str, str]], declared: Iterable[str] = ()) -> list[str]:
    """The values of the secret `-e` pairs (non-empty ones; an empty value reveals nothing)."""
    names = set(declared)
    return [value for name, value in env_pairs if value and is_secret_name(name, names)]


def run_masker(
    env_pairs: Iterable[tuple[str, str]], declared: Iterable[str] = (), environ: Mapping[str, str] | None = None
) -> Masker:
    """The masker of one `loadpy run`: secret `-e` values and secret process-environment values."""
    process = os.environ if environ is None else environ
    return Masker(secret_values([*process.items(), *env_pairs], declared))


class Masker:
    """Replaces every secret value in text or structured data (see the module's rules)."""

    __slots__ = ("_forms", "_values")

    def __init__(self, values: Iterable[str] = ()) -> None:
        forms = set()
        values = [v for v in values if v]
        self._values = frozenset(values)
        for value in values:
            if value:
                forms.add(value)
                forms.add(json.dumps(value)[1:-1])  # as it appears inside a JSON string
        # longest first: a secret that contains another is masked whole
        self._forms = sorted(forms, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def mask(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def mask_pairs(self, pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        """Tag-like (key, value) pairs with every secret masked: the outputs call it once per tag set."""
        return tuple((self.mask_key(k), self.mask_value(k, v)) for k, v in pairs)

    def mask_key(self, key: str) -> str:
        """An object key or a name: loadpy's words are kept, so is a built-in metric's name before "{"."""
        if is_fixed_word(key):
            return key
        base, brace, selector = key.partition("{")
        if brace and is_fixed_word(base):
            return base + brace + self.mask_selector(selector)
        return self.mask(key)

    def mask_selector(self, selector: str) -> str:
        """`tag:value,...}` of a submetric's name, masked as tags are."""
        parts = []
        for part in selector.split(","):
            tag, colon, value = part.partition(":")
            name = tag.strip()
            masked = tag if is_fixed_word(name) else self.mask(tag)
            parts.append(masked + colon + self.mask_value(name, value))
        return ",".join(parts)

    def mask_value(self, field: Any, value: str) -> str:
        """A string value of `field`: computed fields and loadpy's words are kept."""
        if field in COMPUTED_FIELDS or (field == "id" and MD5.match(value)):
            return value
        return self.mask_key(value)

    def mask_data(self, data: Any, user_data: bool = False) -> Any:
        """A copy of JSON-like data with secrets masked in strings and keys, never in measurements.

        `user_data`: the whole document is the user's (the options `loadpy inspect` prints);
        otherwise only the `setup_data` and `options` fields in it are.
        """
        if not self._forms:
            return data
        return self._walk(data, None, user_data)

    def _walk(self, data: Any, field: Any, user: bool) -> Any:
        if isinstance(data, str):
            return self.mask_key(data) if user else self.mask_value(field, data)
        if isinstance(data, Mapping):
            out: dict[Any, Any] = {}
            for key, value in data.items():
                masked = self.mask_key(key) if isinstance(key, str) else key
                out[self._free_key(out, masked)] = self._walk(value, key, user or key in USER_DATA_FIELDS)
            return out
        if isinstance(data, list | tuple):
            return [self._walk(item, field, user) for item in data]
        if user and isinstance(data, int | float) and not isinstance(data, bool) and json.dumps(data) in self._values:
            return MASK  # "${API_TOKEN}" alone in a YAML value is read as a number: still the secret
        return data

    @staticmethod
    def _free_key(taken: Mapping[Any, Any], key: Any) -> Any:
        """Two keys equal once masked both stay: the later ones become "KEY (2)", "KEY (3)"..."""
        if key not in taken:
            return key
        n = 2
        while f"{key} ({n})" in taken:
            n += 1
        return f"{key} ({n})"

    def mask_json_text(self, text: str) -> str:
        """Text a user's code produced. A JSON document is masked as data (numbers and loadpy's words
        kept) and stays valid: unchanged when it holds no secret, else re-serialised in the layout
        it had (indented or compact); any other text is masked everywhere."""
        if not self._forms or not any(form in text for form in self._forms):
            return text
        try:
            parsed = json.loads(text)
        except ValueError:
            return self.mask(text)
        masked = self._walk(parsed, None, False)
        if masked == parsed:
            return text
        return _dumps_like(masked, text)


def _dumps_like(data: Any, original: str) -> str:
    """`data` as JSON in the layout of `original`: its indent (if any) and trailing newline."""
    indent = None
    for line in original.splitlines()[1:]:
        stripped = line.lstrip(" ")
        if stripped and len(stripped) < len(line):
            indent = len(line) - len(stripped)
            break
    compact = indent is None and ", " not in original and ": " not in original
    out = json.dumps(data, indent=indent, separators=(",", ":") if compact else None, ensure_ascii=False)
    return out + "\n" if original.endswith("\n") else out
