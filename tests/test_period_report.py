"""The period report: its numbers against the sessions and their analyses, and the PDF opened
and read back (person, days with data, holds at target); the clinic's period export."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from rows import sample_library_in, session_row

from holdtrack.dashboard.period_report import period_report_html, period_report_pdf
from holdtrack.library import Library, Prescription, SessionRow
from holdtrack.library.period import period_row, period_summary

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def _row(patient: str, days_ago: float, **kw) -> SessionRow:
    return session_row(patient, days_ago, NOW, **kw)


def test_the_period_counts_what_happened_inside_it():
    rows = [_row("a", d) for d in (1, 2, 2.2, 10, 40)]  # one day twice; one outside
    rows.append(
        _row("a", 3, duration_s=14.0, n_holds=0, adherent_holds=0, adherent_time_s=0.0, hold_s=0.0)
    )
    rows.append(_row("a", 5, body_site="calf", adherent_time_s=600.0))
    first, last = NOW.date() - timedelta(days=29), NOW.date()
    p = period_summary("a", rows, Prescription(), first, last, {"a1": 2.5, "a40": 9.0})
    assert p.days == 30 and p.sessions == 6
    assert p.days_with_data == 5 and p.band == "2-15"
    assert p.routines == 5  # the 14 s recording is no routine
    assert (p.holds, p.holds_at_target) == (20, 15)
    assert p.adherent_time_s == 4 * 300.0 + 600.0
    assert p.site_hold_s == {"glutes": 1600.0, "calf": 400.0}
    assert p.gap_s == 2.5  # the session outside the period does not count
    assert p.routines_prescribed == pytest.approx((3 * 30 / 7, 4 * 30 / 7))
    assert p.trend == "up"  # more adherent time in the second half
    row = period_row(p)
    assert (row["days with data"], row["routines"], row["holds at target"]) == (5, 5, 15)
    assert row["minutes in adherent holds"] == 30.0


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Library:
    return sample_library_in(tmp_path_factory.mktemp("lib"))


def test_the_pdf_opens_and_says_who_and_how_many_days(library: Library):
    rows = library.sessions("anna")
    days = sorted({r.start_utc.date() for r in rows})
    first, last = days[0] - timedelta(days=3), days[-1]
    p = period_summary("anna", rows, library.prescription("anna"), first, last)
    data = period_report_pdf(p, NOW)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert 1 <= len(reader.pages) <= 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Period report: anna" in text
    assert f"{len(days)} of {p.days}" in text  # days with data
    expected = sum(r.adherent_holds for r in rows)
    assert f"{expected} of {sum(r.n_holds for r in rows)}" in text
    page = period_report_html(p, NOW)
    assert "Period report: anna" in page and f"{len(days)} of {p.days}" in page


def test_a_name_in_another_script_survives_in_the_pdf():
    p = period_summary("Zoë Ørsted 李", [_row("Zoë Ørsted 李", 1)], Prescription(),
                       date(2026, 11, 1), date(2026, 11, 30))  # fmt: skip
    text = PdfReader(io.BytesIO(period_report_pdf(p, NOW))).pages[0].extract_text()
    assert "Zoë Ørsted" in text


def test_html_escapes_names():
    p = period_summary("<b>x</b>", [], Prescription(), date(2026, 11, 1), date(2026, 11, 30))
    assert "<b>x</b>" not in period_report_html(p, NOW)


def test_the_clinic_exports_one_row_per_person_when_asked(library: Library, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HOLDTRACK_LIBRARY", str(library.root))
    app = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
    at = AppTest.from_file(str(app), default_timeout=60)
    at.run()
    assert "period_csv_made" not in at.session_state  # nothing read until asked
    at.button(key="period_csv_make").click().run()
    assert not at.exception
    period, text = at.session_state["period_csv_made"]
    assert at.get("download_button")  # then it can be downloaded
    lines = text.strip().splitlines()
    assert lines[0].startswith("person,first day,last day,days with data")
    assert sorted(line.split(",")[0] for line in lines[1:]) == library.patients()


def test_the_report_page_shows_the_figures_it_files(library: Library, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HOLDTRACK_LIBRARY", str(library.root))
    app = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
    at = AppTest.from_file(str(app), default_timeout=60)
    at.run()
    at.sidebar.selectbox(key="patient").set_value("anna")
    at.sidebar.radio(key="view").set_value("Person").run()
    at.button(key="open_report").click().run()
    assert not at.exception and at.session_state["view"] == "Report"
    assert at.header[0].value == "Period report: anna"
    first, last = at.date_input(key="period_person").value
    rows = library.sessions("anna")
    p = period_summary("anna", rows, library.prescription("anna"), first, last)
    shown = dict(at.dataframe[0].value.itertuples(index=False, name=None))
    assert shown["Days with data"] == f"{p.days_with_data} of 30 (monitoring band {p.band})"
    assert shown["Holds reaching the target"].startswith(f"{p.holds_at_target} of {p.holds} ")
    assert p.holds == sum(len(library.analysis(r.id)["holds"]) for r in rows)
    assert len(at.get("download_button")) == 2
