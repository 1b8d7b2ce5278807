"""The clinic's settings on a page: its time zone and the lines at which people are flagged.

Set by the person at this machine (local dashboard) or by the administrator (clinic mode).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from holdtrack.dashboard.state import library_root, open_accounts
from holdtrack.library.accounts_model import User
from holdtrack.library.clinic_settings import (
    ClinicSettings,
    read_settings,
    write_settings,
    zone_names,
)

UNSET = "(the browser's or this machine's)"


def settings_form(user: User | None = None) -> None:
    """The form; a change is saved whole, and audited when an administrator makes it."""
    root = Path(library_root())
    saved = read_settings(root)
    zones = [UNSET, *sorted(zone_names())]
    with st.form("clinic_settings"):
        zone = st.selectbox(
            "Time zone (days and weeks are counted in it)", zones,
            index=zones.index(saved.time_zone or UNSET), key="settings_zone",
        )  # fmt: skip
        days = st.number_input(
            "Flag a person after this many days without data", 1, 365, saved.no_data_days,
            key="settings_days",
        )  # fmt: skip
        rolling = st.slider(
            "Flag a latest session rolling more than this share of its loaded time (%)",
            5, 95, round(saved.mostly_rolling_share * 100), key="settings_rolling",
        )  # fmt: skip
        short = st.slider(
            "A recording counts as a routine from this share of the prescribed length (%)",
            5, 100, round(saved.routine_min_share * 100), key="settings_routine",
        )  # fmt: skip
        if not st.form_submit_button("Save settings"):
            return
    new = ClinicSettings("" if zone == UNSET else zone, int(days), rolling / 100.0, short / 100.0)
    write_settings(root, new)
    if user is not None:
        open_accounts(library_root()).audit(user.username, "change clinic settings", None,
                                            str(new))  # fmt: skip
    st.rerun()


def settings_editor(settings: ClinicSettings) -> None:
    """The settings behind an expander on the clinic page, with what is in force now."""
    with st.expander("Time zone and flag thresholds"):
        st.caption(
            f"Now: {settings.zone()} time; flags after {settings.no_data_days} days without data, "
            f"at {settings.mostly_rolling_share:.0%} rolling, and for recordings under "
            f"{settings.routine_min_share:.0%} of the prescribed length."
        )
        settings_form()


def settings_page(user: User) -> None:
    """The administrator's page of the clinic's settings."""
    st.header("Clinic settings")
    settings_form(user)
