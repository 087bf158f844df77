"""`fetch --output` never destroys what it points at, stops cleanly on SIGTERM/SIGHUP, and CSV
files are safe to open in a spreadsheet (formula injection).

Attacks: `-o` naming a FIFO, a character device or a symbolic link (the old code wrote X.part
and renamed it over X, turning each into a regular file); a symbolic link planted at X.part
(written through); a signal during a slow export (left X.part behind); API values such as
`=HYPERLINK(...)` written verbatim into a .csv file.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import stat
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from analytics.demo import segments_frame
from tests.support.servers import REPO_ROOT

from .conftest import cli_env, fetch_command, one_line_error, run_fetch

END = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
RANGE = ["--from", (END - timedelta(days=30)).isoformat(), "--to", END.isoformat()]
SUMMARY = ["total-views", *RANGE, "--quiet"]


@pytest.fixture
def env(demo_server, tmp_path):
    return cli_env(demo_server, tmp_path / "cache")


def _summary_csv(env) -> str:
    done = run_fetch(env, *SUMMARY)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("point,value\n")
    return done.stdout


# --- what -o points at ----------------------------------------------------------------------


def test_a_fifo_stays_a_fifo_and_gets_the_rows(env, tmp_path):
    expected = _summary_csv(env)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    try:
        done = run_fetch(env, *SUMMARY, "-o", str(fifo))
        assert done.returncode == 0, done.stderr
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a file"
        out, _ = reader.communicate(timeout=30)
        assert out.decode() == expected
    finally:
        reader.kill()
        reader.wait()
    assert not (tmp_path / "pipe.part").exists()


def test_a_character_device_stays_a_device(env, tmp_path):
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot create a device node here ({exc})")
    done = run_fetch(env, *SUMMARY, "-o", str(device))
    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode), "the device was replaced by a file"
    assert not (tmp_path / "null.part").exists()


def test_a_symbolic_link_is_refused_and_left_alone(env, tmp_path):
    target = tmp_path / "precious.csv"
    target.write_text("precious\n")
    link = tmp_path / "export.csv"
    link.symlink_to(target)
    done = run_fetch(env, *SUMMARY, "-o", str(link))
    line = one_line_error(done, 2)
    assert "symbolic link" in line
    assert str(target) in line  # says what to give instead
    assert link.is_symlink()
    assert target.read_text() == "precious\n"
    assert not (tmp_path / "export.csv.part").exists()


def test_a_link_planted_at_the_part_name_is_not_written_through(env, tmp_path):
    expected = _summary_csv(env)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "export.csv"
    (tmp_path / "export.csv.part").symlink_to(victim)
    done = run_fetch(env, *SUMMARY, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "precious\n"
    assert not out.is_symlink()
    assert out.read_text() == expected
    assert not (tmp_path / "export.csv.part").exists()


def test_a_regular_file_is_replaced_only_when_complete_and_keeps_its_mode(env, tmp_path):
    expected = _summary_csv(env)
    out = tmp_path / "export.csv"
    out.write_text("old\n")
    out.chmod(0o640)
    done = run_fetch(env, *SUMMARY, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text() == expected
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


# --- signals during an export -----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_an_export_removes_the_part_file(start_demo, tmp_path, signum):
    server = start_demo(latency_ms=1500)  # every request takes 1.5 s: the export is slow
    out = tmp_path / "views.csv"
    partial = tmp_path / "views.csv.part"
    process = subprocess.Popen(
        fetch_command("views", *RANGE, "-o", str(out), "--quiet"),
        cwd=REPO_ROOT,
        env=cli_env(server, tmp_path / "cache"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not partial.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the export never started writing"
            time.sleep(0.05)
        process.send_signal(signum)
        _out, err = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 128 + signum, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert signal.Signals(signum).name in lines[0]
    assert not partial.exists()
    assert not out.exists()


# --- CSV formula injection ----------------------------------------------------------------------

DAY = END - timedelta(days=3)
HOSTILE = {
    '=HYPERLINK("http://evil.example/","x")': '\'=HYPERLINK("http://evil.example/","x")',
    "+SUM(1,2)": "'+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "@SUM(1)": "'@SUM(1)",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    "＝1+1": "'＝1+1",  # fullwidth equals sign
    "－1+1": "'－1+1",  # fullwidth hyphen-minus
    "-5": "-5",  # a number stays a number
    "anna@example.com": "anna@example.com",
}


@pytest.fixture(scope="module")
def hostile_server(demo_settings_factory):
    from analytics.demo import start_demo_server

    rows = [
        {
            "viewer_identifier": identifier,
            "view_session_id": f"s{index}",
            "started_at": (DAY + timedelta(minutes=index)).isoformat(),
            "finished_at": (DAY + timedelta(minutes=index + 1)).isoformat(),
            "content_id": 1000 + index,
        }
        for index, identifier in enumerate(HOSTILE)
    ]
    settings = demo_settings_factory()
    with start_demo_server(settings, datasets={settings.client_id: segments_frame(rows)}) as s:
        yield s


def _identifiers(text: str) -> dict[str, str]:
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == len(HOSTILE)
    for row in rows:
        assert row["content_id"].isdigit()  # numbers are never prefixed
    return {row["view_session_id"]: row["viewer_identifier"] for row in rows}


def _read(path: Path) -> str:
    with path.open(newline="") as handle:
        return handle.read()


def _views(hostile_server, tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    done = run_fetch(cli_env(hostile_server, tmp_path / "cache"), "views", *RANGE, "--quiet", *args)
    assert done.returncode == 0, done.stderr
    return done


def test_csv_files_escape_formulas_by_default(hostile_server, tmp_path):
    out = tmp_path / "views.csv"
    _views(hostile_server, tmp_path, "-o", str(out))
    got = _identifiers(_read(out))
    assert got == {f"s{i}": escaped for i, escaped in enumerate(HOSTILE.values())}


def test_stdout_and_opt_outs_are_verbatim(hostile_server, tmp_path):
    verbatim = {f"s{i}": raw for i, raw in enumerate(HOSTILE)}
    assert _identifiers(_views(hostile_server, tmp_path).stdout) == verbatim
    out = tmp_path / "views.csv"
    _views(hostile_server, tmp_path, "-o", str(out), "--no-csv-escape")
    assert _identifiers(_read(out)) == verbatim
    escaped = _views(hostile_server, tmp_path, "--csv-escape").stdout
    assert _identifiers(escaped) == {f"s{i}": e for i, e in enumerate(HOSTILE.values())}


def test_json_is_never_escaped(hostile_server, tmp_path):
    import json

    out = tmp_path / "views.json"
    _views(hostile_server, tmp_path, "--format", "json", "-o", str(out))
    assert {r["viewer_identifier"] for r in json.loads(out.read_text())} == set(HOSTILE)
    done = run_fetch(
        cli_env(hostile_server, tmp_path / "cache"),
        "views", *RANGE, "--format", "json", "--csv-escape",
    )  # fmt: skip
    assert "--csv-escape" in one_line_error(done, 2)
