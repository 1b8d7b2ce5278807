"""Streamlit dashboard of hold adherence (served by ``holdtrack dashboard``)."""
