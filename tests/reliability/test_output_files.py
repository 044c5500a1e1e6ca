"""Every file loadpy writes: through symlinks, FIFOs and /dev/stdout; refused up front when unwritable;
logged (and the rest kept) when it fails at the end. k6 is the oracle for the exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadpy.outputs.files import writes_through
from tests.integration.cli.helpers import loadpy_cmd, subprocess_env, write_scenario
from tests.reliability.faulty_server import FaultyServer, faulty_server

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def server() -> Iterator[FaultyServer]:
    with faulty_server() as srv:
        yield srv


def _link(tmp_path: Path, device: str) -> str:
    """A link to a device in tmp_path, given instead of the device itself: a loadpy that still replaced
    its outputs with a rename (the bug these tests catch) must only ever replace the link, never /dev."""
    link = tmp_path / Path(device).name
    link.symlink_to(device)
    return str(link)


def _run(tmp_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    cmd = loadpy_cmd("run", "-q", "--address", "", *args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=subprocess_env(), cwd=tmp_path)


def _scenario(tmp_path: Path, server: FaultyServer, iterations: int = 2) -> Path:
    return write_scenario(
        tmp_path,
        f"""
        options:
          iterations: {iterations}
        flows:
          default:
            - request: {{url: "{server.base_url}/ok"}}
        """,
    )


def _script_with_handle_summary(tmp_path: Path, server: FaultyServer, targets: dict[str, str]) -> Path:
    """A Python script whose handle_summary writes `targets` (path -> text) and 'HS-STDOUT' to stdout."""
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            f"""
            options = {{"iterations": 2}}

            async def default(vu):
                await vu.http.get("{server.base_url}/ok")

            def handle_summary(data):
                out = {{"stdout": "HS-STDOUT\\n"}}
                out.update({targets!r})
                return out
            """
        ),
        encoding="utf-8",
    )
    return script


def test_stream_paths_are_written_through() -> None:
    """/dev/stdout, /dev/fd/N, FIFOs and devices are never replaced by a rename; files and links to files are."""
    assert writes_through("/dev/stdout") and writes_through("/dev/null") and writes_through("/proc/self/fd/1")


def test_links_to_streams_and_files(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    (tmp_path / "to-file").symlink_to("file")
    (tmp_path / "to-stdout").symlink_to("/dev/stdout")
    (tmp_path / "to-link-to-stdout").symlink_to("to-stdout")
    os.mkfifo(tmp_path / "fifo")
    assert not writes_through(str(tmp_path / "file")) and not writes_through(str(tmp_path / "to-file"))
    assert not writes_through(str(tmp_path / "new-file"))
    assert writes_through(str(tmp_path / "to-stdout")) and writes_through(str(tmp_path / "to-link-to-stdout"))
    assert writes_through(str(tmp_path / "fifo"))


def test_summary_export_to_dev_stdout_prints_the_document(tmp_path: Path, server: FaultyServer) -> None:
    """The common idiom: `--summary-export /dev/stdout` used to print nothing (a file replaced /dev/stdout)."""
    server.reset()
    stdout = _link(tmp_path, "/dev/stdout")
    proc = _run(tmp_path, "--summary-export", stdout, str(_scenario(tmp_path, server)))
    assert Path(stdout).is_symlink()
    assert proc.returncode == 0, proc.stderr
    # the export comes first, then the text summary
    doc, end = json.JSONDecoder().raw_decode(proc.stdout.lstrip())
    assert doc["metrics"]["http_reqs"]["count"] == 2 == server.count("/ok")
    assert "TOTAL RESULTS" in proc.stdout.lstrip()[end:]


def test_end_of_run_files_through_symlinks_stay_symlinks(tmp_path: Path, server: FaultyServer) -> None:
    """--summary-export, --out junit, --report and handle_summary: the link stays, its target gets the content."""
    server.reset()
    names = ("export.json", "junit.xml", "report.html", "hs.txt")
    for name in names:
        (tmp_path / f"real-{name}").write_text("old content", encoding="utf-8")
        os.chmod(tmp_path / f"real-{name}", 0o640)
        (tmp_path / name).symlink_to(f"real-{name}")
    script = _script_with_handle_summary(tmp_path, server, {"hs.txt": "handled"})
    proc = _run(
        tmp_path, "--summary-export", "export.json", "--out", "junit=junit.xml", "--report", "report.html", str(script)
    )
    assert proc.returncode == 0, proc.stderr
    for name in names:
        assert (tmp_path / name).is_symlink(), name
        assert os.readlink(tmp_path / name) == f"real-{name}"
        assert (tmp_path / f"real-{name}").stat().st_mode & 0o777 == 0o640, name  # permissions kept
    assert json.loads((tmp_path / "real-export.json").read_text())["metrics"]["http_reqs"]["count"] == 2
    assert (tmp_path / "real-junit.xml").read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert (tmp_path / "real-report.html").read_text().lstrip().lower().startswith("<!doctype html>")
    assert (tmp_path / "real-hs.txt").read_text() == "handled"
    assert not list(tmp_path.glob("*.tmp")), "no temporary file left behind"


def test_end_of_run_files_are_written_through_fifos(tmp_path: Path, server: FaultyServer) -> None:
    """A FIFO stays a FIFO and its reader gets the whole document (no rename over it); --out json streams into one."""
    server.reset()
    names = ("export.fifo", "junit.fifo", "report.fifo", "hs.fifo", "points.fifo")
    received: dict[str, bytes] = {}

    def read(name: str) -> None:
        with open(tmp_path / name, "rb") as fifo:  # blocks until loadpy opens it for writing
            received[name] = fifo.read()

    readers = []
    for name in names:
        os.mkfifo(tmp_path / name)
        readers.append(threading.Thread(target=read, args=(name,), daemon=True))
        readers[-1].start()
    script = _script_with_handle_summary(tmp_path, server, {"hs.fifo": "handled"})
    proc = _run(
        tmp_path, "--summary-export", "export.fifo", "--out", "junit=junit.fifo", "--report", "report.fifo",
        "--out", "json=points.fifo", str(script),
    )  # fmt: skip
    for reader in readers:
        reader.join(timeout=10)
    assert proc.returncode == 0, proc.stderr
    for name in names:
        assert (tmp_path / name).is_fifo(), name
    assert json.loads(received["export.fifo"])["metrics"]["http_reqs"]["count"] == 2
    assert received["junit.fifo"].startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b"<html" in received["report.fifo"]
    assert received["hs.fifo"] == b"handled"
    points = [json.loads(line) for line in received["points.fifo"].decode().splitlines()]
    assert sum(p["type"] == "Point" and p["metric"] == "http_reqs" for p in points) == 2


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (("--summary-export", "{bad}"), "--summary-export"),
        (("--report", "{bad}"), "--report"),
        (("--out", "json={bad}"), "--out json"),
        (("--out", "csv={bad}"), "--out csv"),
        (("--out", "junit={bad}"), "--out junit"),
    ],
)
def test_a_path_in_a_missing_directory_is_refused_before_any_request(
    tmp_path: Path, server: FaultyServer, args: tuple[str, str], flag: str
) -> None:
    server.reset()
    bad = str(tmp_path / "missing" / "out.file")
    proc = _run(tmp_path, args[0], args[1].format(bad=bad), str(_scenario(tmp_path, server)))
    assert proc.returncode == 104, proc.stderr
    assert proc.stderr == (
        f"loadpy: error: command line, key '{flag}': can't write {bad}: "
        f"the directory {tmp_path / 'missing'} does not exist\n"
    )
    assert server.total() == 0


def test_a_stream_that_cannot_take_the_csv_header_is_refused_before_any_request(
    tmp_path: Path, server: FaultyServer
) -> None:
    server.reset()
    full = _link(tmp_path, "/dev/full")
    proc = _run(tmp_path, "--out", f"csv={full}", str(_scenario(tmp_path, server)))
    assert proc.returncode == 104, proc.stderr
    assert proc.stderr == f"loadpy: error: command line, key '--out csv': can't write {full}: No space left on device\n"
    assert server.total() == 0


def test_failing_end_of_run_files_are_logged_and_everything_else_is_kept(tmp_path: Path, server: FaultyServer) -> None:
    """k6 logs the failed summary file and exits 0 (see test_k6_exit_code_when_summary_files_fail)."""
    server.reset()
    full = _link(tmp_path, "/dev/full")
    script = _script_with_handle_summary(tmp_path, server, {full: "lost", "good.txt": "kept"})
    proc = _run(
        tmp_path, "--summary-export", full, "--out", f"junit={full}", "--report", full,
        "--out", "json=points.json", str(script),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "level=error" in line]
    assert [line.split('msg="', 1)[1] for line in errors] == [
        f'could not write {what} {full}: No space left on device; the other outputs are kept"'
        for what in ("--summary-export", "the handle_summary file", "--out junit", "--report")
    ]
    assert Path(full).is_symlink()
    assert proc.stdout == "HS-STDOUT\n"
    assert (tmp_path / "good.txt").read_text() == "kept"
    lines = (tmp_path / "points.json").read_text().splitlines()
    assert sum('"metric":"http_reqs","type":"Point"' in line for line in lines) == 2 == server.count("/ok")


def test_a_streaming_output_that_fails_mid_run_logs_once_and_the_run_goes_on(
    tmp_path: Path, server: FaultyServer
) -> None:
    server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            s: {{executor: constant-arrival-rate, rate: 40, timeUnit: 1s, duration: 1s, preAllocatedVUs: 2}}
        flows:
          default:
            - request: {{url: "{server.base_url}/ok"}}
        """,
    )
    full = _link(tmp_path, "/dev/full")
    proc = _run(tmp_path, "--out", f"json={full}", "--summary-export", "export.json", str(scenario))
    assert proc.returncode == 0, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "level=error" in line]
    assert len(errors) == 1, proc.stderr
    assert f"writing --out json={full} failed: No space left on device" in errors[0]
    export = json.loads((tmp_path / "export.json").read_text())
    assert export["metrics"]["http_reqs"]["count"] == server.count("/ok") >= 30


@pytest.mark.k6
def test_k6_exit_code_when_summary_files_fail(tmp_path: Path) -> None:
    """The oracle for the exit code above: k6 logs a failed --summary-export or handleSummary file, exits 0."""
    k6 = shutil.which("k6")
    assert k6 is not None, "k6 v1.1.0 must be installed for the differential tests"
    plain = tmp_path / "plain.js"
    plain.write_text("export const options = { iterations: 1 };\nexport default function () {}\n", encoding="utf-8")
    handled = tmp_path / "handled.js"
    handled.write_text(
        "export const options = { iterations: 1 };\n"
        "export default function () {}\n"
        "export function handleSummary() { return { '/missing/x': 'lost', 'good.txt': 'kept' }; }\n",
        encoding="utf-8",
    )
    env = {**os.environ, "K6_NO_USAGE_REPORT": "true"}
    full = _link(tmp_path, "/dev/full")
    for script, args, error in (
        (plain, ("--summary-export", full), "no space left on device"),
        (handled, (), "open /missing/x: no such file or directory"),
    ):
        proc = subprocess.run(
            [k6, "run", "-q", "--address", "", *args, str(script)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env=env,
        )
        assert proc.returncode == 0, proc.stderr
        assert error in proc.stderr
    assert (tmp_path / "good.txt").read_text() == "kept"
