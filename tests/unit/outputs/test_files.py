"""loadpy.outputs.files: how whole files are written and when a path is refused up front."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from loadpy.clock import now
from loadpy.errors import ConfigError
from loadpy.metrics import Registry, tagset
from loadpy.outputs import CsvOutput, JsonOutput, OutputManager, files
from loadpy.outputs.files import check_writable, write_file


def test_a_regular_file_is_replaced_whole_and_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "export.json"
    target.write_text("old and longer than the new content")
    os.chmod(target, 0o600)
    inode = target.stat().st_ino
    write_file(str(target), "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.stat().st_ino != inode  # a new file renamed over the old one: readers never see half
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.json"]


def test_a_link_stays_a_link_even_a_relative_one_in_another_directory(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "export.json").write_text("old")
    (tmp_path / "links").mkdir()
    link = tmp_path / "links" / "export.json"
    link.symlink_to("../real/export.json")
    write_file(str(link), b"new")
    assert link.is_symlink() and os.readlink(link) == "../real/export.json"
    assert (tmp_path / "real" / "export.json").read_text() == "new"
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["export.json"]


def test_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_file(str(fifo), "through")
    reader.join(timeout=10)
    assert got == [b"through"] and fifo.is_fifo()


def test_a_writable_file_in_a_directory_that_refuses_new_files_is_written_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root ignores directory permissions, so the refusal is simulated where the temporary file is created."""
    target = tmp_path / "export.json"
    target.write_text("old")
    real_open = os.open

    def refuse_tmp(path: str, flags: int, mode: int = 0o777) -> int:
        if str(path).endswith(".tmp"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, mode)

    monkeypatch.setattr(files.os, "open", refuse_tmp)
    write_file(str(target), "new")
    assert target.read_text() == "new"
    with pytest.raises(PermissionError):
        write_file(str(tmp_path / "absent.json"), "x")  # nothing to write in place: the error stands


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", fail)
    with pytest.raises(OSError, match="No space left"):
        write_file(str(tmp_path / "export.json"), "x")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("missing/out.json", "the directory {tmp}/missing does not exist"),
        ("a-dir", "it is a directory"),
        ("dangling", "the directory {tmp}/missing does not exist"),  # the link's target's directory
        ("", "the file name is empty"),
    ],
)
def test_check_writable_names_the_flag_the_path_and_the_problem(tmp_path: Path, name: str, problem: str) -> None:
    (tmp_path / "a-dir").mkdir()
    (tmp_path / "dangling").symlink_to(tmp_path / "missing" / "x")
    path = str(tmp_path / name) if name else ""
    with pytest.raises(ConfigError) as info:
        check_writable(path, "--summary-export")
    assert str(info.value) == (
        f"command line, key '--summary-export': can't write {path}: {problem.format(tmp=tmp_path)}"
    )
    assert info.value.exit_code == 104


def test_check_writable_accepts_new_files_existing_files_and_stdout(tmp_path: Path) -> None:
    (tmp_path / "exists").write_text("x")
    (tmp_path / "to-new").symlink_to("new-target.json")  # dangling, but its target can be created
    for path in (str(tmp_path / "new.json"), str(tmp_path / "exists"), str(tmp_path / "to-new"), "-", "/dev/null"):
        check_writable(path, "--summary-export")
    assert (tmp_path / "exists").read_text() == "x"  # checking writes nothing
    assert not (tmp_path / "new.json").exists()


def test_a_failing_streaming_output_is_logged_once_and_the_others_keep_writing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    full = tmp_path / "full.json"
    full.symlink_to("/dev/full")  # never /dev/full itself
    reg = Registry()
    failing, healthy = JsonOutput(str(full)), CsvOutput(str(tmp_path / "ok.csv"))
    manager = OutputManager(reg, [failing, healthy])
    manager.start()
    reqs = reg.metrics["http_reqs"]
    tags = tagset({"status": "200"})
    for _ in range(3):
        for _ in range(50):
            reg.emit(reqs, tags, 1.0, now(), None)
        manager.flush()
    manager.stop()
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == [
        f"writing --out json={full} failed: No space left on device; "
        "its samples are dropped from now on, the test goes on"
    ]
    rows = (tmp_path / "ok.csv").read_text().splitlines()
    assert len(rows) == 1 + 150 and all(row.startswith("http_reqs,") for row in rows[1:])
