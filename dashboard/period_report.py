"""The period report a therapist files: one or two PDF pages (fpdf2, made here, no cloud) and
the same as self-contained HTML, from :func:`holdtrack.library.period.period_summary`."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF

from holdtrack.dashboard.humane import duration_text, percent_text
from holdtrack.library.period import PeriodSummary

# A Unicode font where the system has one (names can be in any script); else the PDF core font.
UNICODE_FONTS = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
]


def report_lines(p: PeriodSummary) -> list[tuple[str, str]]:
    """The report's figures as (what, value) in words people read; shared by PDF and HTML."""
    lo, hi = p.routines_prescribed
    rx = p.prescription
    rolling = percent_text(p.rolling_s / p.loaded_s) if p.loaded_s else "-"
    return [
        ("Period", f"{p.first_day:%Y-%m-%d} to {p.last_day:%Y-%m-%d} ({p.days} days, "
                   f"{p.zone_name} time)"),
        ("Days with data", f"{p.days_with_data} of {p.days} (monitoring band {p.band})"),
        ("Sessions", str(p.sessions)),
        ("Routines", f"{p.routines}; prescribed {lo:.0f} to {hi:.0f} "
                     f"({rx.routines_per_week_min}-{rx.routines_per_week_max} a week of about "
                     f"{rx.routine_min:g} min)"),  # fmt: skip
        ("Holds reaching the target",
         f"{p.holds_at_target} of {p.holds} (target {duration_text(rx.hold_target_s)})"),
        ("Time in adherent holds", duration_text(p.adherent_time_s)),
        ("Trend of that time", p.trend),
        ("Rolling share of loaded time", rolling),
        ("Data gaps", duration_text(p.gap_s)),
        ("Sensors", ", ".join(p.sensors) or "-"),
    ]  # fmt: skip


def _sites(p: PeriodSummary) -> list[tuple[str, str]]:
    return [(site, duration_text(s)) for site, s in sorted(p.site_hold_s.items())]


def _when(p: PeriodSummary, moment: datetime) -> str:
    """A moment in the report's time zone."""
    return f"{moment.astimezone(ZoneInfo(p.zone_name)):%Y-%m-%d %H:%M}"


def _notable(p: PeriodSummary) -> list[tuple[str, str]]:
    return [
        (what, f"{_when(p, s.start_utc)}, {s.body_site or '-'}: longest hold "
               f"{duration_text(s.longest_hold_s)}, {s.adherent_holds} of {s.n_holds} at target")
        for what, s in p.notable
    ]  # fmt: skip


def report_tables(p: PeriodSummary) -> list[tuple[str, list[tuple[str, str]]]]:
    """The report's sections: title and (what, value) rows; the page, PDF and HTML show these."""
    return [
        ("Adherence", report_lines(p)),
        ("Hold time per body site", _sites(p)),
        ("Notable sessions", _notable(p)),
    ]


def period_report_pdf(p: PeriodSummary, generated: datetime) -> bytes:
    """The report as PDF bytes."""
    pdf = FPDF(format="A4")
    font = next((f for f in UNICODE_FONTS if f.exists()), None)
    if font is not None:
        pdf.add_font("body", fname=str(font))
        family = "body"
    else:
        family = "helvetica"
    pdf.set_title(f"holdtrack period report: {p.patient_id}")
    pdf.add_page()

    def text(s: str) -> str:
        return s if font is not None else s.encode("latin-1", "replace").decode("latin-1")

    pdf.set_font(family, size=18)
    pdf.cell(0, 10, text(f"Period report: {p.patient_id}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=9)
    pdf.cell(0, 6, text(f"holdtrack, made {_when(p, generated)} ({p.zone_name} time)"),
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    for title, rows in report_tables(p):
        pdf.ln(4)
        pdf.set_font(family, size=13)
        pdf.cell(0, 8, text(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=10)
        if not rows:
            pdf.cell(0, 6, "-", new_x="LMARGIN", new_y="NEXT")
        for what, value in rows:
            pdf.cell(60, 6, text(what))
            pdf.multi_cell(0, 6, text(value), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def period_report_html(p: PeriodSummary, generated: datetime) -> str:
    """The report as one self-contained HTML page (prints like the PDF)."""
    e = html.escape

    def table(rows: list[tuple[str, str]]) -> str:
        body = "".join(f"<tr><th>{e(a)}</th><td>{e(b)}</td></tr>" for a, b in rows) or (
            "<tr><td>-</td></tr>"
        )
        return f"<table>{body}</table>"

    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>Period report: {e(p.patient_id)}</title><style>body{{font-family:sans-serif;"
        "max-width:48em;margin:2em auto}th{text-align:left;padding-right:2em;font-weight:normal;"
        "color:#555}td,th{padding:.2em 0}</style></head><body>"
        f"<h1>Period report: {e(p.patient_id)}</h1>"
        f"<p>holdtrack, made {e(_when(p, generated))} ({e(p.zone_name)} time)</p>"
        + "".join(f"<h2>{e(title)}</h2>{table(rows)}" for title, rows in report_tables(p))
        + "</body></html>"
    )
