"""Record a virtual sensor streaming a session file: the hardware-free demo and test bench.

The virtual device (``holdtrack.simulation.ble.devices``) and the recorder meet on an in-process
bumble radio; the recorder's side is the same bleak code that records real sensors.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from holdtrack.analysis.clean import timestamps_clean
from holdtrack.sensing.ble.profiles import RecordOptions
from holdtrack.sensing.ble.scan import find_sensor
from holdtrack.sensing.recorder import Recorder, RecorderStatus, journal_path_for, new_meta, record
from holdtrack.sensing.session import read_session
from holdtrack.simulation.ble.devices import VIRTUAL_MODELS
from holdtrack.simulation.ble.peripheral import Faults, VirtualSensor
from holdtrack.simulation.ble.radio import BumbleClient, BumbleScanner, VirtualRadio

VIRTUAL_ADDRESS = "D1:00:00:00:00:01"


def source_rate_hz(time_s: np.ndarray) -> float:
    """The nominal sample rate of a session (packet-stamped times included)."""
    period = timestamps_clean(time_s)[1]["sample_period_s"]
    if not period > 0:
        raise ValueError("the session's times do not advance")
    return float(1.0 / period)


async def _recorder_for(
    session: Any, source: Path, model: str, out_dir: Path, speed: float,
    options: RecordOptions | None, address: str, patient_id: str | None, body_site: str | None,
) -> Recorder:  # fmt: skip
    """The recorder for a virtual sensor at ``address``, found by scanning the virtual radio."""
    device, profile = await find_sensor(address, model, timeout_s=2.0, backend=BumbleScanner)
    opts = options or RecordOptions()
    if opts.rate_hz is None:
        opts = replace(opts, rate_hz=source_rate_hz(session.data["time_s"].to_numpy(np.float64)))
    meta = new_meta(
        device,
        profile,
        patient_id or session.meta.patient_id,
        body_site or session.meta.body_site,
        extra={"virtual_source": source.name, "speed": speed},
    )
    meta = replace(meta, device_model=f"virtual {profile.label}")
    path = journal_path_for(out_dir, f"{source.name.split('.')[0]}-{model}")
    return Recorder(
        device, profile, path, meta, opts, time_scale=speed,
        client_kwargs={"backend": BumbleClient},
    )  # fmt: skip


async def record_virtual(
    source: Path,
    model: str,
    out_dir: Path,
    *,
    speed: float = 1.0,
    faults: Faults | None = None,
    patient_id: str | None = None,
    body_site: str | None = None,
    options: RecordOptions | None = None,
    stop: asyncio.Event | None = None,
    on_tick: Any = None,
    address: str = VIRTUAL_ADDRESS,
    sensor_kwargs: dict[str, Any] | None = None,
    on_recorder: Any = None,
) -> tuple[Path, VirtualSensor, RecorderStatus]:
    """Stream ``source`` from a virtual ``model`` device and record it into ``out_dir``.

    ``sensor_kwargs`` go to the virtual device (such as a line board's notification size);
    ``on_recorder(recorder)`` is called before recording starts (to enable tracing).
    Returns the finished ``.parquet`` recording, the virtual device (what it sent) and the
    recorder's status (what arrived).
    """
    if model not in VIRTUAL_MODELS:
        raise ValueError(f"virtual models are {', '.join(VIRTUAL_MODELS)}, not {model!r}")
    if speed <= 0:
        raise ValueError("speed must be above 0")
    session = read_session(Path(source))
    data = session.data
    stop = stop or asyncio.Event()
    async with VirtualRadio() as radio:
        sensor = VIRTUAL_MODELS[model](radio, address, **(sensor_kwargs or {}))
        sensor.check_source(data, session.meta.sensor_kind)
        await sensor.start()
        recorder = await _recorder_for(
            session, Path(source), model, out_dir, speed, options, address,
            patient_id, body_site,
        )  # fmt: skip
        if on_recorder is not None:
            on_recorder(recorder)

        async def play() -> None:
            while not recorder.status.connected and not stop.is_set():
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)
            if not stop.is_set():
                await sensor.stream(data, speed=speed, faults=faults)
                await asyncio.sleep(0.5)  # let the last notifications arrive
            stop.set()

        player = asyncio.create_task(play())
        try:
            out = await record(recorder, stop, on_tick=on_tick)
        finally:
            player.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await player
    return out, sensor, recorder.status
