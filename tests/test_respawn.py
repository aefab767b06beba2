"""scripts/respawn.sh, which `make run` puts around the Celery worker: a process that dies is
started again, and the script stops (with the process) when honcho tells it to."""

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.processes import ROOT


def test_a_process_that_dies_is_started_again_and_a_stop_stops_both(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    # Each run notes its pid, then dies at once the first time and lives on the second.
    command = f'echo $$ >> {runs}; [ "$(wc -l < {runs})" -ge 2 ] && exec sleep 60; exit 3'
    script = subprocess.Popen(
        [str(ROOT / "scripts/respawn.sh"), "bash", "-c", command],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(_pids(runs)) < 2:
        time.sleep(0.1)
    pids = _pids(runs)
    assert len(pids) == 2  # died once, was started again
    time.sleep(0.5)
    assert len(_pids(runs)) == 2  # and the second lives on: not started a third time

    script.send_signal(signal.SIGTERM)
    assert script.wait(timeout=10) == 128 + signal.SIGTERM  # the child's end, passed on
    assert script.stderr is not None
    assert "exited with status 3; starting it again in 2 s" in script.stderr.read()
    with pytest.raises(ProcessLookupError):
        os.kill(pids[1], 0)  # the child went with it


def _pids(runs: Path) -> list[int]:
    return [int(p) for p in runs.read_text().split()] if runs.exists() else []


def test_what_a_killed_process_leaves_behind_is_swept_before_it_starts_again(
    tmp_path: Path,
) -> None:
    """gunicorn's workers outlive a master killed with -9 and keep its socket; under honcho
    (a process group of its own) the script removes them, and what is left when it stops."""
    children = tmp_path / "children"
    grandchildren = tmp_path / "grandchildren"
    command = f"sleep 300 & echo $! >> {grandchildren}; echo $$ >> {children}; exec sleep 301"
    script = subprocess.Popen(
        [str(ROOT / "scripts/respawn.sh"), "bash", "-c", command],
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # as honcho starts it
    )
    try:
        _wait_for(lambda: len(_pids(children)) == 1)
        os.kill(_pids(children)[0], signal.SIGKILL)
        _wait_for(lambda: len(_pids(children)) == 2)
        first_orphan, second = _pids(grandchildren)
        assert not _alive(first_orphan), "the killed process's child was left running"
        assert _alive(second)
        script.send_signal(signal.SIGTERM)
        script.wait(timeout=10)
        assert not _alive(second), "a child of the command outlived the script's stop"
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait()


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie has gone, unreaped
    except FileNotFoundError:
        return False
