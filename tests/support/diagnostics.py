"""What a hung test was waiting for: every thread's stack, of the servers the tests started and
of this process.

The dashboard writes its threads' stacks to its log on SIGUSR1 (as `streamlit_app` starts it);
this process holds the demo API's threads. `hang_report` keeps the full dumps under
test-artifacts/failures and returns the threads that were inside the project's code, a few
frames each, for the message of the failure (CI shows that, not the files).
"""

from __future__ import annotations

import faulthandler
import os
import re
import signal
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.servers import REPO_ROOT, RUNNING_APPS, RunningApp

FAILURES = REPO_ROOT / "test-artifacts" / "failures"
OURS = re.compile(r'File "[^"]*/(analytics|app_pages|tests)/[^"]*"|File "[^"]*/app\.py"')
SHOWN_FRAMES = 6
LOG_LINES = 15


def hang_report(url: str) -> str:
    """The project's threads of every server the tests started (the app serving `url` first)
    and of this process, condensed, with the last lines of the app's log."""
    FAILURES.mkdir(parents=True, exist_ok=True)
    stamp = int(time.time())
    parts = []
    origin = _origin(url)
    running = sorted(RUNNING_APPS.items(), key=lambda item: item[0] != origin)
    for number, (where, server) in enumerate(running):
        if server.process.poll() is not None:
            continue
        if where == origin:
            parts.append("app log (last lines): " + _log_tail(server.log_path))
        dump = _stacks_of(server)
        (FAILURES / f"stacks-{stamp}-{number}.txt").write_text(dump)
        parts.append(f"{where} ({server.log_path.name}): " + condense(dump))
    own = _own_stacks()
    (FAILURES / f"stacks-{stamp}-tests.txt").write_text(own)
    parts.append("this process: " + condense(own))
    return "\n".join(parts)


def condense(dump: str) -> str:
    """Each thread that is in the project's code: its innermost frame and the project's frames
    (innermost first), at most SHOWN_FRAMES."""
    threads = re.split(r"\n(?=(?:Current thread|Thread) 0x)", dump)
    shown = []
    for thread in threads:
        frames = [line.strip() for line in thread.splitlines() if line.strip().startswith("File")]
        ours = [frame for frame in frames if OURS.search(frame)]
        if not ours:
            continue
        kept = [frames[0], *[frame for frame in ours if frame != frames[0]]][:SHOWN_FRAMES]
        shown.append(" <- ".join(_short(frame) for frame in kept))
    return "\n  ".join(["", *shown]) if shown else "(no thread in the project's code)"


def _short(frame: str) -> str:
    match = re.match(r'File "(?P<path>[^"]+)", line (?P<line>\d+) in (?P<func>\S+)', frame)
    if match is None:
        return frame
    path = match["path"]
    for marker in ("/site-packages/", str(REPO_ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{path}:{match['line']} {match['func']}"


def _log_tail(path: Path, lines: int = LOG_LINES) -> str:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    quiet = [line for line in text if "choreographer" not in line and "kaleido" not in line]
    return "\n  ".join(["", *quiet[-lines:]])


def _stacks_of(app: RunningApp) -> str:
    before = app.log_path.stat().st_size
    os.kill(app.process.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 5
    text = ""
    while time.monotonic() < deadline:
        time.sleep(0.5)
        with app.log_path.open(encoding="utf-8", errors="replace") as log:
            log.seek(before)
            text = log.read()
        if text and time.monotonic() > deadline - 4:  # a moment for the whole dump
            break
    return text


def _own_stacks() -> str:
    with tempfile.TemporaryFile("w+", encoding="utf-8") as file:
        faulthandler.dump_traceback(file, all_threads=True)
        file.seek(0)
        return file.read()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
