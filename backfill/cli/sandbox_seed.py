"""`backfill sandbox --responses FILE`: the survey response dates to seed, read by backfill's
own reader (encodings, delimiters, .xlsx, the config's column mapping), handed to the
sandbox as plain data: the sandbox imports none of the client's code."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from backfill.config import DEFAULT_CONFIG_FILE, load_config

NO_RESPONSES = (
    "Warning: no survey responses seeded (--responses FILE): the sandbox knows no case, so it "
    "refuses every action as an unknown case; seed it with the export itself (its response "
    "date column, mapped with -c) or a file of number_customergauge and response dates."
)


def response_dates(path: Path, config_path: Path | None, tenant_zone: str) -> dict[str, datetime]:
    """Case -> response date (UTC) from `path`, read as `validate` reads responses.file.

    Times without an offset are in input.timezone of the config; without a config, in the
    tenant's zone (--timezone), as the sandbox has always read its seeds."""
    from backfill.plan.responses import read_response_file

    config = load_config(config_path)
    if config_path is None and not DEFAULT_CONFIG_FILE.exists():
        config.input.timezone = tenant_zone
    dates = read_response_file(path, config)
    return {case: stamp.to_pydatetime() for case, stamp in dates.items()}
