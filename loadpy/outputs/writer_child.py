"""The writer child: a process that formats and writes one file output (`--out json=`, `json.gz`, `csv=`).

The generator's flush only pickles its raw batch (the buffered entries, ints, strings and floats) and
writes it to a pipe; the child unpickles it, formats it with the same `ColumnarOutput` code and writes
the file, so the formatting (~1 µs a sample) leaves the process that runs the VUs. Each message is a kind and a
length, then: the metrics tuples (or Metrics) the next batch's keys name that no earlier message sent
(`pickle`, each sent once), or a batch (`marshal`: its entries hold only ints, strings, floats and
metadata dicts, and marshal writes them in half pickle's time, sharing a tag set used by many
entries as pickle does; `pickle` if some value is not marshal's).

What an interrupted run needs from the child:

* it runs in a session of its own, so a Ctrl-C (SIGINT to the terminal's process group) or a
  SIGTERM to the group never reaches it, and it ignores both when sent to it alone: it writes until
  its pipe reaches EOF, which comes when the parent closes it (`OutputManager.stop`) or dies (a hard
  kill): every whole message received is written, a message cut short by the parent's death is not;
* the parent opened the file (so a path it can't write is refused before the first request, exit
  104, as before) and hands its descriptor over;
* a write that fails (disk full) is reported back on the child's stdout as one line
  `errno<TAB>strerror`, and the parent raises it as the `OSError` the in-process output raised, so the
  same error is logged; the child drops later batches as the in-process output did.

The child imports only the outputs' modules: `loadpy/__init__` (the script API, ~0.3 s of imports) is
skipped by registering the package bare (`_BOOT`), which also pins the child to the parent's tree; its
start costs ~0.15 s of CPU, off the generator's process.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import marshal
import os
import pickle
import signal
import struct
import subprocess
import sys
from collections.abc import Callable
from operator import itemgetter
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from loadpy.clock import anchor, use_anchor
from loadpy.outputs.base import Entry, Shapes
from loadpy.outputs.files import describe_os_error

if TYPE_CHECKING:
    from loadpy.outputs.columns import ColumnarOutput

_HEAD = struct.Struct("<cQ")  # the message's kind, its length
_SETUP, _SHAPES, _BATCH, _PICKLED_BATCH = b"u", b"s", b"b", b"p"
_KEY = itemgetter(0)
ENDED = "the output's writer process ended"  # what a dead child's output logs: its later samples are lost
PIPE_BYTES = 1 << 20  # the pipe's buffer (Linux F_SETPIPE_SZ): a flush rarely waits for the child
_BOOT = (
    "import sys, types\n"
    "sys.path[:0] = sys.argv[2].split(sys.argv[3])\n"
    "package = types.ModuleType('loadpy')\n"
    "package.__path__ = [sys.argv[1]]\n"
    "sys.modules['loadpy'] = package\n"
    "from loadpy.outputs.writer_child import main\n"
    "main()\n"
)

# What the child rebuilds its output from: (the output's class, its constructor's arguments, the
# masker or None, the parent's clock anchor, the file's descriptor number in the child, the path)
Blueprint = tuple[Callable[..., "ColumnarOutput"], tuple[Any, ...], Any, tuple[float, int], int, str]


class WriteFailed(OSError):
    """A write the child reported failed, raised in the parent at its next flush or at close: the same
    failure the in-process output raises at the flush that hits it (its samples are dropped from then on)."""


class WriterChild:
    """The parent's end: spawns the child, sends it batches, collects the write errors it reports."""

    def __init__(self, fd: int, blueprint: Blueprint) -> None:
        package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self._process = subprocess.Popen(
            # -S: no site module (~40 ms of the child's start); the parent's path finds what site would
            [sys.executable, "-S", "-c", _BOOT, package_dir, os.pathsep.join(sys.path), os.pathsep],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            pass_fds=(fd,),
            start_new_session=True,  # the terminal's Ctrl-C and a SIGTERM to the group don't reach it
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._pipe: IO[bytes] = self._process.stdin
        self._reports: IO[bytes] = self._process.stdout
        with contextlib.suppress(OSError):  # a bigger pipe where the kernel allows it
            fcntl.fcntl(self._pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        os.set_blocking(self._reports.fileno(), False)
        self._sent: set[int] = set()
        self._reported = b""
        self._raised = False
        self._send(_SETUP, pickle.dumps(blueprint, protocol=pickle.HIGHEST_PROTOCOL))

    @property
    def pid(self) -> int:
        return self._process.pid

    def send(self, batch: list[Entry], shapes: Shapes) -> None:
        """Hand one flush's batch to the child; OSError when the child reported a failed write."""
        self._raise_reported(self._read_reports())
        new = set(map(_KEY, batch)).difference(self._sent)
        if new:
            self._sent.update(new)
            self._send(_SHAPES, pickle.dumps({key: shapes[key] for key in new}, protocol=pickle.HIGHEST_PROTOCOL))
        try:
            self._send(_BATCH, marshal.dumps(batch))
        except ValueError:  # a value marshal can't write (a tag of a type of its own)
            self._send(_PICKLED_BATCH, pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))

    def close(self) -> None:
        """EOF to the child, then wait until it wrote everything and closed the file; a failure it
        reported and not raised yet is raised here."""
        with contextlib.suppress(OSError):
            self._pipe.close()
        self._process.wait()
        os.set_blocking(self._reports.fileno(), True)
        reports = self._read_reports() + self._reports.read()
        self._reports.close()
        self._raise_reported(reports)
        if self._process.returncode != 0 and not self._raised:  # killed (or crashed) with batches unwritten
            self._raised = True
            raise WriteFailed(errno.EPIPE, ENDED)

    def _send(self, kind: bytes, data: bytes) -> None:
        try:
            self._pipe.write(_HEAD.pack(kind, len(data)))
            self._pipe.write(data)
            self._pipe.flush()
        except BrokenPipeError:  # the child died: what it reported (if anything) says why
            self._process.wait()
            os.set_blocking(self._reports.fileno(), True)
            self._raise_reported(self._read_reports() + self._reports.read())
            self._raised = True
            raise WriteFailed(errno.EPIPE, ENDED) from None

    def _read_reports(self) -> bytes:
        try:
            return self._reports.read() or b""
        except BlockingIOError:
            return b""

    def _raise_reported(self, reports: bytes) -> None:
        self._reported += reports
        if self._raised or not self._reported:
            return
        self._raised = True  # once: the output drops later batches, as after an in-process failure
        code, _, text = self._reported.split(b"\n", 1)[0].decode("utf-8", "replace").partition("\t")
        raise WriteFailed(int(code) if code.isdigit() else errno.EIO, text)


def _read_message(stream: BinaryIO) -> tuple[bytes, Any] | None:
    """The next whole message (kind, content), or None at EOF (a message cut short by the parent's death
    included)."""
    head = stream.read(_HEAD.size)
    if len(head) < _HEAD.size:
        return None
    kind, length = _HEAD.unpack(head)
    data = stream.read(length)
    if len(data) < length:
        return None
    return kind, marshal.loads(data) if kind == _BATCH else pickle.loads(data)


def _report(exc: OSError) -> None:
    sys.stdout.buffer.write(f"{exc.errno or errno.EIO}\t{describe_os_error(exc)}\n".encode())
    sys.stdout.buffer.flush()


def main() -> None:
    """The child's loop: rebuild the output, format and write every batch until EOF, close the file."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    stream = sys.stdin.buffer
    setup = _read_message(stream)
    if setup is None:  # the parent died before it sent anything
        return
    cls, args, masker, (mono, wall_ns), fd, path = setup[1]
    use_anchor(mono, wall_ns)
    output = cls(*args)
    output.adopt(fd, path, masker)
    failed = False
    while (message := _read_message(stream)) is not None:
        kind, content = message
        if kind == _SHAPES:
            output.shapes.update(content)
        elif not failed:
            try:
                output.write_batch(content)
            except OSError as exc:
                failed = True
                _report(exc)
    try:
        output.close_file()
    except OSError as exc:
        if not failed:
            _report(exc)


def blueprint(output: ColumnarOutput, args: tuple[Any, ...], fd: int) -> Blueprint:
    """What the child needs to rebuild `output` (constructed as `type(output)(*args)`) over descriptor `fd`."""
    return (type(output), args, output.masker, anchor(), fd, output.path)
