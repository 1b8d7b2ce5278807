"""Values of a sample column as numbers, and how bad values read in a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from holdtrack.sensing.session.model import SessionFormatError, is_real

if TYPE_CHECKING:
    import pandas as pd


def numeric_column(
    col: pd.Series, name: str, fail: Callable[..., SessionFormatError]
) -> np.ndarray:
    """Column as float64 (missing values as NaN); SessionFormatError for non-numeric values."""
    import pandas as pd  # only DataFrames come here, so pandas is loaded already

    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raise fail(f"not numeric ({dtype})", col=name)
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        return np.array(col.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
        raise fail(f"not numeric ({dtype})", col=name)
    out = np.empty(len(col), dtype=np.float64)
    for i, v in enumerate(col.to_numpy(dtype=object)):
        if v is None or v is pd.NA:
            out[i] = np.nan
        elif isinstance(v, str):
            parsed = parse_number(v)
            if parsed is None:
                raise fail(not_a_number(v), i, name)
            out[i] = parsed
        elif is_real(v):
            out[i] = float(v)
        else:
            raise fail(f"not a number: {show(v)}", i, name)
    return out


def parse_number(text: str) -> float | None:
    """A CSV field as float, or None when it is not a plain decimal number."""
    try:
        value = float(text)
    except ValueError:
        return None
    # float() also takes "1_000" and non-ASCII digits and spaces; a CSV number does not.
    return value if text.isascii() and "_" not in text else None


def not_a_number(text: str) -> str:
    """Problem text for a CSV field that is not a number."""
    return "empty value" if not text.strip() else f"not a number: {show(text)}"


def show(value: object) -> str:
    """Short one-line repr of a bad value for messages."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def times_apart(a: float, b: float) -> tuple[str, str]:
    """Two times with 2 decimals, or as many more as it takes to tell them apart."""
    if max(abs(a), abs(b)) >= 1e9:
        return repr(float(a)), repr(float(b))
    for digits in range(2, 18):
        sa, sb = f"{a:.{digits}f}", f"{b:.{digits}f}"
        if sa != sb:
            return sa, sb
    return repr(float(a)), repr(float(b))
