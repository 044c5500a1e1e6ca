"""How loadpy writes every file it produces.

* Streaming outputs (`--out json=`/`csv=`) write through a `TextSink`: plain, gzip (name ends in
  .gz), or stdout for "-".
* Whole files written at the end (`--summary-export`, `--out junit=`, `--report`, handle_summary)
  go through `write_file`: a regular file (or a missing one) is replaced atomically (a temporary
  file beside it, then a rename), so a reader never sees half a file; a symlink is followed, so the
  link stays a link to the new content. Anything else — a FIFO, a terminal, `/dev/stdout`,
  `/dev/null` — is written through in place: renaming over it would replace the device node
  with a file (or fail), and `--summary-export /dev/stdout` would print nothing.
* `check_writable` runs before the first request, so a path that can't be written is bad input
  (exit 104, one paragraph naming the flag and the path) instead of a traceback at the end.
* `write_end_of_test` is the end-of-run wrapper: a failure is logged, naming the flag and the
  path, and the run goes on with its other outputs and its exit code (k6 logs and exits as if the
  summary had been written).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import stat
import sys
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, BinaryIO

from loadpy.errors import ConfigError
from loadpy.secrets import Masker, unmasked

if TYPE_CHECKING:
    import gzip

log = logging.getLogger("loadpy.outputs")

STDOUT = "-"
# Paths that name a stream of this process rather than a file in a directory.
_STREAM_PREFIXES = ("/dev/", "/proc/")


def encoded(text: str) -> bytes:
    """Text as a streaming output writes it: UTF-8, a lone surrogate (from a non-UTF-8 name) kept as its byte."""
    return text.encode("utf-8", "surrogateescape")


class TextSink:
    """Writes whole text chunks; `flush` makes everything so far readable (gzip: a sync flush).

    A gzip stream begins at the first write (or at `close`): until then the open file can be handed to
    another process (`handover`: the outputs' writer child), which continues it as a sink of its own."""

    def __init__(self, path: str, raw: BinaryIO | None = None) -> None:
        self.path = path
        self._raw: BinaryIO
        self._gz: gzip.GzipFile | None = None
        self._compress = False
        if path == STDOUT:
            # the output masks its samples itself, field by field: the terminal's text masking
            # would also hit digits of the values when a secret is a number
            self._raw = unmasked(sys.stdout).buffer
            self._owned = False
        else:
            self._raw = raw if raw is not None else open(path, "wb")  # noqa: SIM115 - closed in close()
            self._owned = True
            self._compress = path.endswith(".gz")

    def write(self, text: str) -> None:
        self.write_bytes(encoded(text))

    def write_bytes(self, data: bytes) -> None:
        """Text already encoded as UTF-8 (with surrogateescape, as `write`)."""
        if self._compress:
            (self._gz or self._begin_gzip()).write(data)
        else:
            self._raw.write(data)

    def _begin_gzip(self) -> gzip.GzipFile:
        import gzip  # (a run without a .gz output does without it)

        # k6's gzip.NewWriter: the default level (6), not Python's 9, which costs twice the CPU
        self._gz = gzip.GzipFile(fileobj=self._raw, mode="wb", compresslevel=6)
        return self._gz

    def flush(self) -> None:
        if self._gz is not None:
            self._gz.flush(zlib.Z_SYNC_FLUSH)
        self._raw.flush()

    def handover(self) -> int | None:
        """The file's descriptor, everything written so far flushed, for another process to continue
        the file from (then `release` this sink); None when it can't be: stdout, a gzip stream begun."""
        if not self._owned or self._gz is not None:
            return None
        self._raw.flush()
        return self._raw.fileno()

    def release(self) -> None:
        """Close this process's handle on a handed-over file without writing anything more."""
        self._compress = False
        self._raw.close()

    def close(self) -> None:
        try:
            if self._compress:
                (self._gz or self._begin_gzip()).close()  # a run without samples: an empty gzip file, as before
        finally:
            if self._owned:
                self._raw.close()
            else:
                self._raw.flush()


def writes_through(path: str) -> bool:
    """True when `path` must be written in place: not a regular file (or a link to one), or a stream of /dev, /proc."""
    if _names_a_stream(path):
        return True
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    return not stat.S_ISREG(mode)


def _names_a_stream(path: str) -> bool:
    """`path` or a link on the way to its file is in /dev or /proc: /dev/stdout -> /proc/self/fd/1 -> a file
    the shell opened stays the file this process writes its summary to, so it must not be replaced."""
    current = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on nested links
        if current.startswith(_STREAM_PREFIXES):
            return True
        if not os.path.islink(current):
            return os.path.realpath(current).startswith(_STREAM_PREFIXES)
        current = os.path.join(os.path.dirname(current), os.readlink(current))
    return True  # a loop of links: never rename over it


def write_file(path: str, data: str | bytes) -> None:
    """Write a whole file (text as UTF-8): atomically for regular files, in place for anything else.

    Raises OSError. "-" is this process's standard output.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if path == STDOUT:
        out = unmasked(sys.stdout)
        out.flush()
        out.buffer.write(payload)
        out.buffer.flush()
        return
    if writes_through(path):
        # /dev/stdout and friends share a descriptor with sys.stdout: what it holds goes first
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        _write_in_place(path, payload)
        return
    target = os.path.realpath(path)  # a symlink stays a link: its target gets the new content
    tmp = f"{target}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _mode_for(target))
    except PermissionError:
        if not os.path.exists(target):
            raise
        _write_in_place(target, payload)  # a writable file in a read-only directory: no rename possible
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_in_place(path: str, payload: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(payload)


def _mode_for(target: str) -> int:
    """An existing file keeps its permission bits; a new one gets 0666 minus the umask, like open()."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666


def check_writable(path: str, flag: str, where: str = "command line") -> None:
    """ConfigError (104) naming `flag` and `path` when the file can't be created or written."""
    if path == STDOUT:
        return
    problem = _unwritable_reason(path)
    if problem:
        raise ConfigError(f"can't write {path}: {problem}", file=where, key=flag)


def _unwritable_reason(path: str) -> str | None:
    if not path:
        return "the file name is empty"
    if os.path.isdir(path):
        return "it is a directory"
    if os.path.exists(path):
        return None if os.access(path, os.W_OK) else "the file is not writable (permission denied)"
    if os.path.islink(path):  # a dangling link: writing creates its target
        path = os.path.realpath(path)
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        return f"the directory {parent} does not exist"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"the directory {parent} is not writable (permission denied)"
    return None


def describe_os_error(exc: OSError) -> str:
    """An OSError as one short phrase: "No space left on device" rather than "[Errno 28] ..."."""
    if exc.strerror:
        return exc.strerror
    if exc.errno is not None:
        return os.strerror(exc.errno) if exc.errno in errno.errorcode else str(exc)
    return str(exc)


def write_end_of_test(flag: str, path: str, data: str | bytes) -> bool:
    """`write_file` for the end-of-run files: False (and one error logged) when it fails."""
    try:
        write_file(path, data)
    except OSError as exc:
        log.error("could not write %s %s: %s; the other outputs are kept", flag, path, describe_os_error(exc))
        return False
    return True


def write_handle_summary(outcome: Mapping[str, Any], masker: Masker) -> None:
    """Write what handle_summary returned: "stdout"/"stderr" or a path -> content.

    Text is masked with `Masker.mask_json_text` (a JSON document stays valid), a mapping or list
    is masked, then serialised; bytes are written as they are. A target that fails is logged and
    the others are still written.
    """
    for target, content in outcome.items():
        payload = _summary_payload(content, masker)
        if target in ("stdout", "stderr"):
            write_stream(unmasked(sys.stdout if target == "stdout" else sys.stderr), payload)
        else:
            write_end_of_test("the handle_summary file", str(target), payload)


def write_stream(stream: Any, payload: bytes) -> None:
    """All of `payload` to a text stream's binary side. With PYTHONUNBUFFERED that side is a raw file
    whose write may take only part (64 KiB into a pipe): loop, or the rest is silently lost."""
    stream.flush()
    view = memoryview(payload)
    while view:
        written = stream.buffer.write(view)
        view = view[written if written is not None else 0 :]
    stream.buffer.flush()


def _summary_payload(content: Any, masker: Masker) -> bytes:
    if isinstance(content, bytes | bytearray):
        return bytes(content)
    if isinstance(content, str):
        return masker.mask_json_text(content).encode("utf-8", "surrogateescape")
    return json.dumps(masker.mask_data(content), indent=2).encode("utf-8")
