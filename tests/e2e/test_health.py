import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from bot.health import (
    HEARTBEAT_ENV,
    HealthStatus,
    check_heartbeat,
    heartbeat_path,
    keep_heartbeat,
    write_heartbeat,
)

NOW = 1_700_000_000.0


def test_a_fresh_heartbeat_is_healthy(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    write_heartbeat(path, NOW)
    status = check_heartbeat(path, max_age=60, now=NOW + 14)
    assert status == HealthStatus(True, "healthy: heartbeat 14 s ago")


def test_a_stale_heartbeat_is_unhealthy_and_says_how_old(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    write_heartbeat(path, NOW)
    status = check_heartbeat(path, max_age=60, now=NOW + 61)
    assert not status.healthy
    assert "61 s old" in status.message and "limit 60 s" in status.message


def test_no_heartbeat_file_is_unhealthy_in_one_line(tmp_path: Path) -> None:
    status = check_heartbeat(tmp_path / "missing", max_age=60, now=NOW)
    assert not status.healthy
    assert "no heartbeat" in status.message and "\n" not in status.message


def test_a_file_that_holds_no_time_is_unhealthy(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    path.write_text("not a time\n")
    status = check_heartbeat(path, max_age=60, now=NOW)
    assert not status.healthy
    assert "does not hold a time" in status.message


def test_a_heartbeat_folder_is_unhealthy_not_a_crash(tmp_path: Path) -> None:
    status = check_heartbeat(tmp_path, max_age=60, now=NOW)
    assert not status.healthy
    assert "cannot read" in status.message


def test_writing_replaces_the_old_time_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    write_heartbeat(path, NOW)
    write_heartbeat(path, NOW + 100)
    assert check_heartbeat(path, max_age=60, now=NOW + 101).healthy
    assert [p.name for p in tmp_path.iterdir()] == ["hb"]


def test_a_failed_write_keeps_the_previous_heartbeat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "hb"
    write_heartbeat(path, NOW)

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.health.os.replace", full_disk)
    with pytest.raises(OSError):
        write_heartbeat(path, NOW + 100)
    assert check_heartbeat(path, max_age=60, now=NOW + 1).healthy
    assert [p.name for p in tmp_path.iterdir()] == ["hb"]


def test_the_heartbeat_file_can_be_chosen_per_process(tmp_path: Path) -> None:
    assert heartbeat_path({HEARTBEAT_ENV: str(tmp_path / "shard-1.hb")}) == tmp_path / "shard-1.hb"
    assert heartbeat_path({}).name == "faqbot.heartbeat"


async def test_the_running_bot_keeps_refreshing_the_heartbeat(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    times = iter([NOW, NOW + 30, NOW + 60, NOW + 90])
    seen: list[float] = []

    def clock() -> float:
        value = next(times)
        seen.append(value)
        return value

    task = asyncio.create_task(keep_heartbeat(path, 0.01, clock, lambda: True))
    while len(seen) < 3:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    written = float(path.read_text())
    assert written in seen[1:]
    assert check_heartbeat(path, max_age=60, now=NOW + 100).healthy


async def test_an_unwritable_heartbeat_warns_once_and_keeps_the_bot_running(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "missing-folder" / "hb"
    calls = 0

    def clock() -> float:
        nonlocal calls
        calls += 1
        return NOW

    task = asyncio.create_task(keep_heartbeat(path, 0.01, clock, lambda: True))
    while calls < 4:
        await asyncio.sleep(0.01)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    warnings = [r for r in caplog.records if "cannot write the heartbeat" in r.getMessage()]
    assert len(warnings) == 1


def test_faqbot_health_exits_0_when_fresh_and_1_when_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    path = tmp_path / "hb"
    write_heartbeat(path, time.time())
    assert main(["health", "--file", str(path)]) == 0
    assert capsys.readouterr().out.startswith("healthy: ")

    write_heartbeat(path, time.time() - 120)
    assert main(["health", "--file", str(path), "--max-age", "60"]) == 1
    assert "120 s old" in capsys.readouterr().out

    monkeypatch.setenv(HEARTBEAT_ENV, str(tmp_path / "none"))
    assert main(["health"]) == 1
    assert "no heartbeat" in capsys.readouterr().out


def test_faqbot_health_refuses_a_max_age_that_is_not_positive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["health", "--file", str(tmp_path / "hb"), "--max-age", "0"]) == 2
    assert "--max-age" in capsys.readouterr().err


async def test_no_heartbeat_is_written_while_the_bot_is_not_connected_to_discord(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    connected = False
    polls = 0

    def is_connected() -> bool:
        nonlocal polls
        polls += 1
        return connected

    task = asyncio.create_task(keep_heartbeat(path, 0.05, lambda: NOW, is_connected, poll=0.01))
    try:
        while polls < 5:  # still logging in: nothing to be healthy about
            await asyncio.sleep(0.01)
        assert not path.exists()
        connected = True
        while not path.exists():  # written as soon as the bot is connected
            await asyncio.sleep(0.01)
        connected = False  # Discord went away: the heartbeat is left to age out
        path.unlink()
        seen = polls
        while polls < seen + 10:
            await asyncio.sleep(0.01)
        assert not path.exists()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
