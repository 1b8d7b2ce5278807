"""The period report on a person's page, and the clinic's period export (CSV), for a date range
(by default the last 30 days)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import streamlit as st

from holdtrack.dashboard.period_report import period_report_html, period_report_pdf, report_tables
from holdtrack.dashboard.state import audit_once, clinic_settings, opened_person
from holdtrack.library.clinic_settings import local_day, now_in
from holdtrack.library.period import PeriodSummary, period_default, period_row, period_summary
from holdtrack.library.scoped import ScopedLibrary


def _range(key: str) -> tuple[date, date] | None:
    """A date range picker (days in the clinic's time zone); None until both ends are picked."""
    today = now_in(clinic_settings().zone()).date()
    picked = st.date_input("Period", period_default(today), key=key)
    if isinstance(picked, tuple) and len(picked) == 2:
        return picked[0], picked[1]
    return None


def summary_for(lib: ScopedLibrary, patient: str, first: date, last: date) -> PeriodSummary:
    """The person's period, with each session's data gaps from its analysis."""
    sessions = lib.sessions(patient)
    settings = clinic_settings()
    gaps = {}
    for s in sessions:
        if first <= local_day(s.start_utc, settings.zone()) <= last and s.error is None:
            gaps[s.id] = float(lib.analysis(s.id).get("summary", {}).get("gap_s", 0.0))
    rx = lib.prescription(patient)
    return period_summary(patient, sessions, rx, first, last, gaps, settings)


def report_view(lib: ScopedLibrary) -> None:
    """The period report page: a person's figures for a range of days, as filed, and the
    downloads."""
    patient = opened_person("Period report", "view period report")
    if patient is None:
        return
    period = _range("period_person")
    if period is None:
        return
    rx = lib.prescription(patient)
    summary = period_summary(patient, lib.sessions(patient), rx, *period, None, clinic_settings())
    period_downloads(lib, patient, period)
    for title, rows in report_tables(summary):
        st.subheader(title)
        table = pd.DataFrame(rows or [("-", "")], columns=["what", "value"])
        st.dataframe(table, hide_index=True, width="stretch")


def open_report_button() -> None:
    """From a person's page to their period report."""
    st.button("Open the period report", key="open_report",
              on_click=lambda: st.session_state.update(view="Report"))  # fmt: skip


def period_downloads(lib: ScopedLibrary, patient: str, period: tuple[date, date]) -> None:
    """Download the period report (PDF or HTML), made on click (each reads the period's
    analyses), not on every look at the page."""
    name = f"period_{patient}_{period[0]:%Y%m%d}-{period[1]:%Y%m%d}"
    what = f"{period[0]}..{period[1]}"

    def pdf() -> bytes:
        return period_report_pdf(summary_for(lib, patient, *period), datetime.now(UTC))

    def page() -> bytes:
        return period_report_html(summary_for(lib, patient, *period), datetime.now(UTC)).encode()

    c1, c2 = st.columns(2)
    c1.download_button(
        "Download period report (PDF)", pdf, file_name=f"{name}.pdf", mime="application/pdf",
        key="period_pdf", on_click=lambda: audit_once("export period report", patient, what),
    )  # fmt: skip
    c2.download_button(
        "Download period report (HTML)", page, file_name=f"{name}.html", mime="text/html",
        key="period_html", on_click=lambda: audit_once("export period report", patient, what),
    )  # fmt: skip


def clinic_export(lib: ScopedLibrary) -> None:
    """One CSV row per person for a period, made when asked (it reads every analysis)."""
    with st.expander("Export a period (CSV, one row per person)"):
        period = _range("period_clinic")
        if period is None:
            return
        if st.button("Prepare the CSV", key="period_csv_make"):
            rows = [period_row(summary_for(lib, p, *period)) for p in lib.patients()]
            st.session_state["period_csv_made"] = (period, pd.DataFrame(rows).to_csv(index=False))
            audit_once("export clinic period", None, f"{period[0]}..{period[1]}")
        made = st.session_state.get("period_csv_made")
        if made is not None and made[0] == period:
            st.download_button(
                "Download", made[1].encode(), mime="text/csv", key="period_csv",
                file_name=f"clinic_{period[0]:%Y%m%d}-{period[1]:%Y%m%d}.csv",
            )  # fmt: skip
