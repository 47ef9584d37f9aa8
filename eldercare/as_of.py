"""The run's as-of date: the day no ledger date that cannot lie in the future may pass (recorded with the run).

The run tag `eldercare/as_of` (YYYY-MM-DD) when set; otherwise the month end of the run's last partition, or the
run's creation date in Asia/Shanghai when that is earlier (a run of the open month knows nothing after today);
otherwise the creation date. Never `now()` in rows: the date is recorded with the run.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

AS_OF_TAG = "eldercare/as_of"
PARTITION_TAGS = ("dagster/asset_partition_range_end", "dagster/partition")
PROGRAMME_TZ = ZoneInfo("Asia/Shanghai")


class BadAsOf(ValueError):
    """The `eldercare/as_of` tag is not a YYYY-MM-DD date."""


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def as_of_date(tags: Mapping[str, str], created: dt.datetime | None = None) -> dt.date | None:
    """The as-of date of a run from its tags and creation time (None when neither says anything)."""
    if tags.get(AS_OF_TAG):
        try:
            return dt.date.fromisoformat(tags[AS_OF_TAG].strip())
        except ValueError:
            raise BadAsOf(f"run tag {AS_OF_TAG}={tags[AS_OF_TAG]!r} is not a date (YYYY-MM-DD)") from None
    created_day = None
    if created is not None:
        aware = created if created.tzinfo else created.replace(tzinfo=dt.timezone.utc)
        created_day = aware.astimezone(PROGRAMME_TZ).date()
    for tag in PARTITION_TAGS:
        if tags.get(tag):
            try:
                end = month_end(dt.date.fromisoformat(tags[tag][:10]))
            except ValueError:
                continue
            return min(end, created_day) if created_day else end
    return created_day


def latest_row_date(tags: Mapping[str, str], created: dt.datetime | None = None) -> dt.date | None:
    """The last day a ledger or punch date may carry at load: the `eldercare/as_of` tag when set (the data is declared
    complete to it), else the run's creation day in Beijing. Never the end of the partition month: re-running an old
    month rebuilds the unpartitioned ledgers too, and must not quarantine their later rows; a visit crossing
    midnight at a month's end stays in its month."""
    if tags.get(AS_OF_TAG):
        return as_of_date(tags, created)
    return as_of_date({}, created)


def run_months(tags: Mapping[str, str]) -> list[dt.date] | None:
    """The first days of the months a run covers, from its partition tags; None for a run of no partition."""
    start = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition")
    end = tags.get("dagster/asset_partition_range_end") or start
    if not start:
        return None
    try:
        first, last = dt.date.fromisoformat(start[:10]).replace(day=1), dt.date.fromisoformat(end[:10]).replace(day=1)
    except ValueError:
        return None
    out = []
    while first <= last:
        out.append(first)
        first = (first + dt.timedelta(days=32)).replace(day=1)
    return out
