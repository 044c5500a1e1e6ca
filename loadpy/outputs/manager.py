"""Runs the streaming outputs of one test: registration, the 200 ms flush timer, stop.

Samples reach each output's `add` straight from `Registry.emit` (one list append per
output on the hot path). Formatting and file writes happen in one worker thread every
FLUSH_INTERVAL, so the event loop only pays for the appends; `stop()` writes what is
left and closes every file, leaving whole lines only (safe on an interrupted run).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from loadpy.errors import ConfigError, did_you_mean
from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import DEFAULT_SYSTEM_TAGS
from loadpy.outputs.base import BufferedOutput, Output
from loadpy.outputs.csv_out import CsvOutput
from loadpy.outputs.files import describe_os_error
from loadpy.outputs.github import write_github_summary
from loadpy.outputs.json_out import JsonOutput, Submetric
from loadpy.outputs.junit import JunitOutput
from loadpy.outputs.results import CheckResult, ThresholdResult, mask_results
from loadpy.outputs.streaming import STREAMING_OUTPUT_TYPES, streaming_output
from loadpy.outputs.writer_child import WriteFailed

if TYPE_CHECKING:
    from loadpy.secrets import Masker

log = logging.getLogger("loadpy.outputs")
DROPPED = "its samples are dropped from now on, the test goes on"

FLUSH_INTERVAL = 0.2  # seconds, as k6's json output
OUTPUT_TYPES = ("json", "csv", "junit", *STREAMING_OUTPUT_TYPES)
EXPECTED_RESPONSE_SUBMETRIC: Submetric = (
    "http_req_duration{expected_response:true}",
    "expected_response:true",
    {"expected_response": "true"},
)


def _flag(out: Output) -> tuple[str, str]:
    """The --out flag an output came from and its path: ("--out csv", "results.csv")."""
    kind = {JsonOutput: "json", CsvOutput: "csv", JunitOutput: "junit"}.get(type(out), type(out).__name__)
    return f"--out {kind}", out.path


def _log_write_error(out: Output, exc: OSError, consequence: str) -> None:
    flag, path = _flag(out)
    log.error("writing %s=%s failed: %s; %s", flag, path, describe_os_error(exc), consequence)


_SELECTOR_PART = re.compile(r"^\s*([^:]+?)\s*:\s*(.*?)\s*$")


def submetric_from_name(name: str) -> Submetric:
    """("http_req_duration{name:a,b:c}") -> (name, "name:a,b:c", {"name": "a", "b": "c"})."""
    suffix = name[name.index("{") + 1 : name.rindex("}")].strip()
    tags: dict[str, str] = {}
    for part in suffix.split(","):
        m = _SELECTOR_PART.match(part)
        if m:
            tags[m.group(1)] = m.group(2).strip("\"'`")
    return name, suffix, tags


def parse_out_arg(text: str, system_tags: Iterable[str] = DEFAULT_SYSTEM_TAGS) -> Output:
    """One `--out TYPE=TARGET` value -> an output (json and csv stream; junit is written at the end)."""
    kind, _, target = text.partition("=")
    kind = kind.strip()
    target = target.strip()
    if kind == "json":
        return JsonOutput(target or "-")
    if kind == "csv":
        return CsvOutput(target or "file.csv", system_tags)
    if kind == "junit":
        if not target:
            raise ConfigError("the junit output needs a file name, e.g. --out junit=results.xml", key="out")
        return JunitOutput(target)
    if kind in STREAMING_OUTPUT_TYPES:
        return streaming_output(kind, target)
    hint = did_you_mean(kind, OUTPUT_TYPES)
    raise ConfigError(
        f"unknown output type '{kind}' in --out {text!r}; supported types are {', '.join(OUTPUT_TYPES)}",
        key="out",
        hint=hint,
    )


class OutputManager:
    def __init__(
        self,
        registry: Registry,
        outputs: Sequence[Output],
        thresholds_by_metric: Mapping[str, Sequence[str]] | None = None,
        submetrics: Mapping[str, Sequence[Submetric | str]] | None = None,
        system_tags: Iterable[str] = DEFAULT_SYSTEM_TAGS,
        masker: Masker | None = None,
    ) -> None:
        self.registry = registry
        # None unless a secret exists: the outputs then format exactly as without masking
        self.masker = masker if masker else None
        self.outputs = list(outputs)
        self.thresholds_by_metric = {k: list(v) for k, v in (thresholds_by_metric or {}).items()}
        self.submetrics = self._normalise_submetrics(submetrics or {}, "expected_response" in set(system_tags))
        for out in self.outputs:
            if isinstance(out, JsonOutput):
                out.thresholds_by_metric = self.thresholds_by_metric
                out.submetrics = self.submetrics
            if isinstance(out, BufferedOutput):
                out.masker = self.masker
        self._streaming = [o for o in self.outputs if not isinstance(o, JunitOutput)]
        self._listeners = [o.add for o in self._streaming]
        self._executor: ThreadPoolExecutor | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    @staticmethod
    def _normalise_submetrics(
        given: Mapping[str, Sequence[Submetric | str]], expected_response: bool
    ) -> dict[str, list[Submetric]]:
        out: dict[str, list[Submetric]] = {}
        for metric, items in given.items():
            subs = out.setdefault(metric, [])
            for item in items:
                sub = submetric_from_name(item) if isinstance(item, str) else item
                if all(s[0] != sub[0] for s in subs):
                    subs.append(sub)
        # k6 always defines this one for the end-of-test summary, after the thresholds' ones.
        if expected_response:
            subs = out.setdefault("http_req_duration", [])
            if all(s[0] != EXPECTED_RESPONSE_SUBMETRIC[0] for s in subs):
                subs.append(EXPECTED_RESPONSE_SUBMETRIC)
        return out

    def describe(self) -> str:
        return ", ".join(getattr(o, "describe", lambda o=o: type(o).__name__)() for o in self.outputs)

    # -- lifecycle -------------------------------------------------------------------
    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Open every output, register for samples and (with a loop) start the flush timer."""
        for out in self.outputs:
            try:
                out.start()
            except OSError as exc:  # before the first request: bad input, not a traceback
                self._close_quietly()
                flag, path = _flag(out)
                raise ConfigError(
                    f"can't write {path}: {describe_os_error(exc)}", file="command line", key=flag
                ) from None
        for out in self._streaming:
            if isinstance(out, BufferedOutput):
                out.shapes = self.registry.shapes
                self.registry.grouped[out.add] = out.add_group
        self.registry.listeners.extend(self._listeners)
        if loop is not None and self._streaming:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="loadpy-outputs")
            self._task = loop.create_task(self._flush_periodically())

    async def _flush_periodically(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._executor is not None
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            try:
                await loop.run_in_executor(self._executor, self.flush)
            except RuntimeError:  # the executor was shut down by stop()
                return

    def flush(self) -> None:
        """Write what each output buffered. A failing output (disk full) is logged once, then drops its
        samples; the others and the test go on."""
        for out in self._streaming:
            try:
                out.flush()
            except OSError as exc:
                _log_write_error(out, exc, DROPPED)

    def stop(self) -> None:
        """Unregister, write everything still buffered and close the files. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        for fn in self._listeners:
            with contextlib.suppress(ValueError):
                self.registry.listeners.remove(fn)
            self.registry.grouped.pop(fn, None)
        if self._task is not None:
            self._task.cancel()
        if self._executor is not None:
            self._executor.shutdown(wait=True)  # lets an in-flight flush finish its lines
        for out in self._streaming:
            try:
                out.stop()
            except WriteFailed as exc:  # the writer child's failure, reported when it closed the file
                _log_write_error(out, exc, DROPPED)
            except OSError as exc:
                _log_write_error(out, exc, "its last samples are lost")

    def _close_quietly(self) -> None:
        """Close what opened before a failed start: the error to report is the start's."""
        self._stopped = True
        for out in self._streaming:
            with contextlib.suppress(OSError):
                out.stop()

    # -- end of run ------------------------------------------------------------------
    def finish(
        self,
        thresholds: Sequence[ThresholdResult],
        checks: Sequence[CheckResult],
        metrics: Sequence[tuple[str, str]] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Write the end-of-run reports: every junit output and the GitHub step summary (secrets masked)."""
        if self.masker is not None:
            thresholds, checks = mask_results(thresholds, checks, self.masker)
        for out in self.outputs:
            if isinstance(out, JunitOutput):
                out.finish(thresholds, checks)
        write_github_summary(thresholds, checks, metrics, env=env)
