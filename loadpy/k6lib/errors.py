"""The one error k6's helper modules throw, carrying the text k6 shows to the script."""

from __future__ import annotations


class K6Error(Exception):
    """An exception a k6 module throws into the script.

    `message` is the JS `e.message`; `name` is what k6 throws (`GoError` for an error returned from Go,
    `TypeError` for a bad argument, `Error` for a plain throw), so `js_string()` is the JS `String(e)`.
    """

    def __init__(self, message: str, name: str = "GoError") -> None:
        super().__init__(message)
        self.message = message
        self.name = name

    def js_string(self) -> str:
        return f"{self.name}: {self.message}"
