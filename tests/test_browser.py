"""The running dashboard in a real headless Chromium (Debian's), driven by Playwright.

Skipped only outside CI when /usr/bin/chromium is absent; in CI (CI=true) it always runs.
Screenshots go to ``screenshots/`` at the project root.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browsing import CHROMIUM, CHROMIUM_ARGS, need_chromium, serve_dashboard

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "screenshots"
ROW_1_Y = 35 + 17  # header row, then the middle of the first data row (pixels)

need_chromium()


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The dashboard's address and the library it serves."""
    library = tmp_path_factory.mktemp("library")
    with serve_dashboard("--library", str(library), cwd=ROOT) as url:
        yield url, library


@pytest.fixture(scope="module")
def dashboard_url(served: tuple[str, Path]) -> str:
    return served[0]


def _replay_to_the_end_and_again(page) -> None:
    """Played to the end, the replay stops there; Play again starts from the beginning."""
    from playwright.sync_api import expect

    metric_value = page.locator('[data-testid="stMetricValue"]').first  # "Time"
    play = page.locator('[data-testid="stButton"] button').first  # Play / Pause
    expect(play).to_have_text("Play")
    page.get_by_role("slider").last.focus()
    page.keyboard.press("End")
    expect(metric_value).not_to_have_text("0:00", timeout=30_000)
    end_text = metric_value.inner_text()
    for _ in range(8):
        page.keyboard.press("ArrowLeft")
    expect(metric_value).not_to_have_text(end_text, timeout=30_000)
    play.click()
    expect(metric_value).to_have_text(end_text, timeout=60_000)
    expect(play).to_have_text("Play", timeout=30_000)  # stopped at the end
    page.wait_for_timeout(2500)
    expect(metric_value).to_have_text(end_text)  # and stays there
    page.screenshot(path=str(SHOTS / "replay-end.png"), full_page=True)
    play.click()
    expect(metric_value).not_to_have_text(end_text, timeout=30_000)
    assert _seconds(metric_value.inner_text()) <= 30  # from the beginning again
    _no_exception(page)


def _seconds(clock: str) -> int:
    minutes, seconds = clock.strip().split(":")
    return int(minutes) * 60 + int(seconds)


def _no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def test_every_page_renders(dashboard_url: str):
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(dashboard_url)

        # Clinic: the patient table.
        expect(page.get_by_role("heading", name="Clinic")).to_be_visible(timeout=60_000)
        expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible(timeout=30_000)
        expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("3")
        _no_exception(page)
        page.screenshot(path=str(SHOTS / "clinic.png"), full_page=True)

        radio = page.locator('[data-testid="stSidebar"] [role="radiogroup"] label')

        # Person, by clicking through from the clinic table (row marker of the first row).
        page.locator('[data-testid="stDataFrame"]').first.click(position={"x": 18, "y": ROW_1_Y})
        # The first row is the person who needs attention most: ben (mostly rolling).
        expect(page.get_by_role("heading", name="Progress: ben")).to_be_visible(timeout=30_000)
        expect(page.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible(
            timeout=30_000
        )
        _no_exception(page)
        page.screenshot(path=str(SHOTS / "person.png"), full_page=True)

        # Session, by clicking through from the person's session list (its last table).
        sessions = page.locator('[data-testid="stDataFrame"]').last
        sessions.scroll_into_view_if_needed()
        sessions.click(position={"x": 18, "y": ROW_1_Y})
        expect(page.get_by_text("holds reached 90 s").first).to_be_visible(timeout=30_000)
        charts = page.locator('[data-testid="stPlotlyChart"]')
        expect(charts).to_have_count(2, timeout=30_000)
        for i in range(2):
            expect(charts.nth(i).locator(".main-svg").first).to_be_visible(timeout=30_000)
        _no_exception(page)
        page.screenshot(path=str(SHOTS / "session.png"), full_page=True)

        # Replay: the player with its cursor chart.
        radio.filter(has_text="Replay").click()
        expect(page.get_by_text("Hold timer")).to_be_visible(timeout=30_000)
        expect(page.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible(
            timeout=30_000
        )
        _no_exception(page)
        page.screenshot(path=str(SHOTS / "replay.png"), full_page=True)

        _replay_to_the_end_and_again(page)
        browser.close()


def test_every_page_opens_by_its_address(dashboard_url: str):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for view, person, sees in [
            ("clinic", None, page.get_by_role("heading", name="Clinic")),
            ("person", "carla", page.get_by_role("heading", name="Progress: carla")),
            ("session", "ben", page.get_by_text("holds reached 90 s").first),
            ("replay", "anna", page.get_by_text("Hold timer")),
            ("report", "ben", page.get_by_role("heading", name="Period report: ben")),
            ("live", None, page.get_by_role("heading", name="Live")),
        ]:
            address = f"{dashboard_url}/?view={view}" + (f"&person={person}" if person else "")
            page.goto(address)
            expect(sees).to_be_visible(timeout=60_000)
            if person:  # the page is about the person the address names
                heading = page.get_by_role("heading").filter(has_text=person)
                expect(heading.first).to_be_visible(timeout=30_000)
            _no_exception(page)
        browser.close()


def test_the_period_report_downloads_as_a_pdf_with_the_persons_days(served, tmp_path):
    """From ben's page to his report page (its own address), the last 30 days' report: a real
    PDF naming him, with his days with data as the library counts them."""
    import io
    from datetime import UTC, datetime, timedelta

    from playwright.sync_api import expect, sync_playwright
    from pypdf import PdfReader

    from holdtrack.library import Library

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.goto(f"{served[0]}/?view=person&person=ben")
        page.get_by_role("button", name="Open the period report").click()
        expect(page).to_have_url(re.compile(r"view=report&person=ben"), timeout=60_000)
        button = page.get_by_role("button", name="Download period report (PDF)")
        expect(button).to_be_visible(timeout=60_000)
        with page.expect_download(timeout=60_000) as info:
            button.click()
        path = tmp_path / "report.pdf"
        info.value.save_as(path)
        browser.close()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "Period report: ben" in text
    library = Library(served[1])
    today = datetime.now(UTC).date()
    days = {
        s.start_utc.date()
        for s in library.sessions("ben")
        if s.start_utc.date() > today - timedelta(days=30)
    }
    assert f"Days with data {len(days)} of 30" in text.replace("\n", " ")
