"""The clinic's dashboard in a real headless Chromium: a therapist logs in and finds their
patient's synced session; another therapist does not see it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
from browsing import CHROMIUM, CHROMIUM_ARGS, need_chromium
from clinicserver import PASSWORDS, running

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "screenshots"
RECORDING = ROOT / "sample_data" / "good_holder_imu_floor.parquet"

need_chromium()


def log_in(page, url: str, user: str) -> None:  # noqa: ANN001
    """Open the dashboard and log in."""
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.get_by_label("User name")).to_be_visible(timeout=60_000)
    page.get_by_label("User name").fill(user)
    page.get_by_role("textbox", name="Password").fill(PASSWORDS[user])
    page.get_by_role("button", name="Log in").click()


def test_a_therapist_logs_in_and_sees_only_their_patients_session(tmp_path: Path):
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with running(tmp_path / "clinic", dashboard=True) as clinic:
        device = clinic.link("tess", "pat-browser")
        start = datetime(2026, 11, 20, 10, 0, tzinfo=UTC).isoformat()
        headers = {**device, "X-Filename": RECORDING.name, "X-Start-Time": start}
        r = httpx.post(
            f"{clinic.api}/sessions", content=RECORDING.read_bytes(), headers=headers, timeout=120
        )
        assert r.status_code == 201, r.text
        verdict = r.json()["verdict"]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                         args=CHROMIUM_ARGS)  # fmt: skip
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            log_in(page, clinic.dashboard_url, "tess")
            expect(page.get_by_role("heading", name="Clinic")).to_be_visible(timeout=60_000)
            sidebar = page.locator('[data-testid="stSidebar"]')
            person = sidebar.get_by_role("combobox", name="Person")
            expect(person).to_have_value("pat-browser", timeout=30_000)
            radio = page.locator('[data-testid="stSidebar"] [role="radiogroup"] label')
            radio.filter(has_text="Session").click()
            expect(page.get_by_text(verdict).first).to_be_visible(timeout=30_000)
            expect(page.get_by_text("2026-11-20 10:00").first).to_be_visible()
            chart = page.locator('[data-testid="stPlotlyChart"] .main-svg').first
            expect(chart).to_be_visible(timeout=30_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            page.screenshot(path=str(SHOTS / "clinic-session.png"), full_page=True)
            page.get_by_role("button", name="Log out").click()
            expect(page.get_by_label("User name")).to_be_visible(timeout=30_000)

            other = browser.new_page(viewport={"width": 1400, "height": 1000})
            log_in(other, clinic.dashboard_url, "tom")
            expect(other.get_by_role("heading", name="Clinic")).to_be_visible(timeout=60_000)
            expect(other.get_by_text("has no sessions yet")).to_be_visible(timeout=30_000)
            assert other.get_by_text("pat-browser").count() == 0
            assert other.locator('[data-testid="stException"]').count() == 0
            browser.close()
