"""A one-page session report a therapist can file: self-contained HTML (prints to PDF)."""

from __future__ import annotations

import html
from datetime import UTC, tzinfo
from typing import Any

from holdtrack.analysis.text import clock_text
from holdtrack.library import SessionRow


def _bars_svg(durations: list[float], target_s: float, width: int = 640, height: int = 180) -> str:
    """Hold durations as bars against a dashed line at the hold target."""
    if not durations:
        return ""
    top = max(max(durations), target_s) * 1.1
    bw = width / len(durations)
    y90 = height - target_s / top * height
    parts = [f'<svg width="{width}" height="{height + 20}" role="img" aria-label="hold durations">']
    for i, d in enumerate(durations):
        h = d / top * height
        colour = "#2ea043" if d >= target_s else "#d29922"
        parts.append(
            f'<rect x="{i * bw + 4:.1f}" y="{height - h:.1f}" width="{bw - 8:.1f}" '
            f'height="{h:.1f}" fill="{colour}"><title>{d:.0f} s</title></rect>'
            f'<text x="{i * bw + bw / 2:.1f}" y="{height + 15}" text-anchor="middle" '
            f'font-size="11">#{i + 1}</text>'
        )
    parts.append(
        f'<line x1="0" x2="{width}" y1="{y90:.1f}" y2="{y90:.1f}" stroke="black" '
        f'stroke-dasharray="6 4"/><text x="{width - 4}" y="{y90 - 4:.1f}" text-anchor="end" '
        f'font-size="11">{target_s:g} s</text></svg>'
    )
    return "".join(parts)


def _bpm(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def session_report_html(row: SessionRow, result: dict[str, Any], zone: tzinfo = UTC) -> str:
    """The report for one session: who, when, verdict, key figures, every hold."""
    s = result["summary"]
    e = html.escape
    holds = result["holds"]
    hold_rows = "".join(
        f"<tr><td>{i}</td><td>{h['start_s']:.1f}</td><td>{h['duration_s']:.1f}</td>"
        f"<td>{'yes' if h['adherent'] else 'no'}</td><td>{h['steadiness']:.2f}</td>"
        f"<td>{_bpm(h['breaths_per_min'])}</td></tr>"
        for i, h in enumerate(holds, 1)
    )
    t = s["time_in_state_s"]
    target = float(s["hold_target_s"])
    start = f"{row.start_utc.astimezone(zone):%Y-%m-%d %H:%M}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>holdtrack session report: {e(row.patient_id)} {start}</title>
<style>
body {{ font-family: sans-serif; max-width: 720px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin: 1em 0; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
.verdict {{ font-size: 1.2em; font-weight: bold; }}
@media print {{ body {{ margin: 0; }} }}
</style></head><body>
<h1>Self-release session report</h1>
<table>
<tr><th>Person</th><td>{e(row.patient_id)}</td></tr>
<tr><th>Date ({e(str(zone))} time)</th><td>{start}</td></tr>
<tr><th>Body site</th><td>{e(row.body_site or "-")}</td></tr>
<tr><th>Sensor</th><td>{e(row.sensor_kind)} ({e(row.device or "-")})</td></tr>
<tr><th>Session length</th><td>{row.duration_s / 60:.1f} min</td></tr>
</table>
<p class="verdict">{e(s["verdict"])}</p>
<table>
<tr><th>Holds of {target:g} s or more</th><td>{s["adherent_holds"]} of {s["n_holds"]}</td></tr>
<tr><th>Longest hold</th><td>{clock_text(s["longest_hold_s"])}</td></tr>
<tr><th>Time holding / rolling / repositioning</th>
<td>{t["hold"] / 60:.1f} / {t["rolling"] / 60:.1f} / {t["reposition"] / 60:.1f} min</td></tr>
<tr><th>Data gaps</th><td>{s["gap_s"]:.1f} s</td></tr>
</table>
{_bars_svg([h["duration_s"] for h in holds], target)}
<h2>Holds</h2>
<table><tr><th>#</th><th>start (s)</th><th>duration (s)</th><th>reached {target:g} s</th>
<th>steadiness</th><th>breaths/min</th></tr>{hold_rows}</table>
<p><small>holdtrack detector {e(str(result.get("detector_version", "")))}; steadiness is 1 for
a perfectly still, evenly loaded hold.</small></p>
</body></html>
"""
