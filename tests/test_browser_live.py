"""The live page in a real headless Chromium, following a virtual recording as it is made:
the state turns to HOLD, the timer runs without reloading the page, the target is reached and
its cue is in the page as audio. Screenshots go to ``screenshots/``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browsing import CHROMIUM, CHROMIUM_ARGS, need_chromium, serve_dashboard

from holdtrack.analysis import session_process
from holdtrack.sensing.session import read_session

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "screenshots"
SOURCE = ROOT / "sample_data" / "good_holder_imu_floor.parquet"
SPEED = 4.0

need_chromium()


def _holdtrack(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "holdtrack", *args],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, **kw,
    )  # fmt: skip


@pytest.fixture()
def live_setup(tmp_path) -> Iterator[tuple[str, Path]]:
    """A dashboard looking for recordings in an empty folder."""
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    args = ("--library", str(tmp_path / "lib"), "--recordings", str(recordings))
    with serve_dashboard(*args, cwd=ROOT) as url:
        yield url, recordings


def _recorded_text(caption) -> str:
    """The m:ss of the page's "Recorded so far" caption ("0:00" until it shows)."""
    if caption.count() == 0:
        return "0:00"
    return caption.first.inner_text().rsplit(" ", 1)[-1]


def _seconds(clock: str) -> int:
    m, s = clock.strip().split(":")
    return int(m) * 60 + int(s)


def test_the_live_page_follows_a_virtual_recording(live_setup):
    from playwright.sync_api import expect, sync_playwright

    url, recordings = live_setup
    first = session_process(read_session(SOURCE).data).holds[0]
    assert first.duration_s > 95  # the recording will reach the 90 s target
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.goto(url)
        radio = page.locator('[data-testid="stSidebar"] [role="radiogroup"] label')
        radio.filter(has_text="Live").click()
        expect(page.get_by_text("No recording in progress")).to_be_visible(timeout=60_000)

        recorder = _holdtrack("record", "--virtual", str(SOURCE), "--model", "witmotion",
                              "--speed", str(SPEED), "--out", str(recordings), "--mute",
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
        try:
            state = page.locator('[data-testid="live-state"]')
            progress = page.locator('[data-testid="stProgress"]')
            # The recording shows up by itself. Once the page has 12 s of the first hold (time
            # told by the data, not the clock: a loaded machine may hand it over in big chunks,
            # and a moment of stillness while the ball is set down may show as a brief hold),
            # that hold is followed (10 to 59 s in).
            recorded = page.get_by_text(re.compile(r"Recorded so far: \d+:\d\d"))
            deadline = time.monotonic() + first.start_s / SPEED + 90
            while _seconds(_recorded_text(recorded)) < first.start_s + 12:
                assert time.monotonic() < deadline, "the recording was not followed"
                page.wait_for_timeout(250)
            expect(progress).to_contain_text(re.compile(r"0:[1-5]\d of 1:30"), timeout=10_000)
            expect(state).to_contain_text("HOLD")
            timer = state.locator("div").first
            t1 = _seconds(timer.inner_text())
            page.wait_for_timeout(3000)
            t2 = _seconds(timer.inner_text())
            assert t2 > t1  # the timer runs, and the page was not reloaded for it
            page.screenshot(path=str(SHOTS / "live-hold.png"), full_page=True)

            expect(progress).to_contain_text("reached", timeout=(100 / SPEED + 60) * 1000)
            audio = page.locator("audio")
            expect(audio).to_have_count(1, timeout=10_000)
            expect(page.get_by_text("Last cue: 90 seconds, move the ball an inch")).to_be_visible()
            page.screenshot(path=str(SHOTS / "live-target.png"), full_page=True)
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            recorder.terminate()
            recorder.wait(timeout=30)
        browser.close()
