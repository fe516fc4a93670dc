#!/usr/bin/env python3
"""Solar positions from pvlib's NREL SPA (pvlib.solarposition.spa_python, numpy) at random
instants, latitudes within ±66° and years 2000–2050, for cicada-sun's agreement test.

ΔT comes from pvlib.spa.calculate_deltat, pressure from pvlib.atmosphere.alt2pres at the
elevation and temperature is 12 °C: the defaults Cicada uses too. Run:

    python3 -m venv /tmp/pvlib-venv && /tmp/pvlib-venv/bin/pip install pvlib
    /tmp/pvlib-venv/bin/python tests/reference/pvlib/make_spa_vectors.py
"""
import json
import pathlib

import numpy as np
import pandas as pd
import pvlib
from pvlib import spa
from pvlib.atmosphere import alt2pres

rng = np.random.default_rng(20261128)
cases = []
for _ in range(400):
    lat = float(rng.uniform(-66, 66))
    lon = float(rng.uniform(-180, 180))
    elev = float(rng.uniform(0, 3000))
    year = int(rng.integers(2000, 2051))
    month = int(rng.integers(1, 13))
    day = int(rng.integers(1, 29))
    seconds = float(rng.integers(0, 86400))
    when = pd.Timestamp(year=year, month=month, day=day, tz="UTC") + pd.Timedelta(seconds=seconds)
    delta_t = float(spa.calculate_deltat(year, month))
    pos = pvlib.solarposition.spa_python(
        pd.DatetimeIndex([when]), lat, lon, altitude=elev, pressure=alt2pres(elev),
        temperature=12.0, delta_t=delta_t,
    )
    cases.append({
        "latitude": lat, "longitude": lon, "elevation": elev,
        "year": year, "month": month, "day": day, "seconds": seconds, "delta_t": delta_t,
        "pressure_mbar": float(alt2pres(elev)) / 100.0,
        "apparent_elevation": float(pos["apparent_elevation"].iloc[0]),
        "elevation_geometric": float(pos["elevation"].iloc[0]),
        "azimuth": float(pos["azimuth"].iloc[0]),
    })
out = pathlib.Path(__file__).with_name("spa_vectors.json")
out.write_text(json.dumps({"source": f"pvlib {pvlib.__version__} spa_python", "cases": cases}, indent=1))
print("wrote", out, len(cases))
