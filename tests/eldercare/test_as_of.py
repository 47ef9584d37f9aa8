"""The run's as-of date: tag first, then the last partition's month end, then the creation day in Beijing time."""

import datetime as dt

import pytest

from eldercare.as_of import BadAsOf, as_of_date
from eldercare.visit_reader import visit_file_month


def test_the_tag_wins():
    assert as_of_date({"eldercare/as_of": "2022-09-15", "dagster/partition": "2022-07-01"}) == dt.date(2022, 9, 15)


def test_partition_range_end_gives_its_month_end():
    tags = {"dagster/asset_partition_range_start": "2022-06-01", "dagster/asset_partition_range_end": "2022-02-01"}
    assert as_of_date(tags) == dt.date(2022, 2, 28)


def test_creation_time_is_read_in_beijing_time():
    created = dt.datetime(2022, 8, 31, 17, 0, tzinfo=dt.timezone.utc)  # 01:00 on 1 September in Beijing
    assert as_of_date({}, created) == dt.date(2022, 9, 1)


def test_a_run_of_the_open_month_knows_nothing_after_its_creation_day():
    # the nightly run of November, created 2026-11-29 02:00 in Beijing (18:00 UTC the day before): as of 29 Nov, not 30
    created = dt.datetime(2026, 11, 28, 18, 0, tzinfo=dt.timezone.utc)
    assert as_of_date({"dagster/asset_partition_range_end": "2026-11-01"}, created) == dt.date(2026, 11, 29)
    # a past month re-run today is as of that month's end
    assert as_of_date({"dagster/partition": "2022-07-01"}, created) == dt.date(2022, 7, 31)


def test_a_bad_tag_is_refused():
    with pytest.raises(BadAsOf):
        as_of_date({"eldercare/as_of": "last week"})


@pytest.mark.parametrize("name, month", [
    ("2022-07.csv", dt.date(2022, 7, 1)), ("2022-07 上门服务记录（终稿）.csv", dt.date(2022, 7, 1)),
    ("2022年7月上门服务记录.xlsx", dt.date(2022, 7, 1)), ("202207.parquet", dt.date(2022, 7, 1)),
    ("２０２２－０７.CSV", dt.date(2022, 7, 1)), ("上门服务记录.csv", None), ("2022-13.csv", None),
    ("2022-07.txt", None), ("2022-07-01.csv", dt.date(2022, 7, 1)),
])
def test_the_month_of_a_visit_file_is_read_from_its_name(name, month):
    assert visit_file_month(name) == month


def test_rows_are_bounded_by_the_tag_or_the_day_the_run_was_made_never_the_partition_month():
    from eldercare.as_of import latest_row_date
    made = dt.datetime(2022, 11, 29, 18, 30, tzinfo=dt.timezone.utc)  # 2022-11-30 02:30 in Beijing
    # a re-run of March made in November: a bed completed in April is not "in the future"
    assert latest_row_date({"dagster/partition": "2022-03-01"}, made) == dt.date(2022, 11, 30)
    assert latest_row_date({"eldercare/as_of": "2022-06-30", "dagster/partition": "2022-03-01"}, made) \
        == dt.date(2022, 6, 30)


def test_run_months_from_partition_tags():
    from eldercare.as_of import run_months
    assert run_months({"dagster/asset_partition_range_start": "2022-11-01",
                       "dagster/asset_partition_range_end": "2023-01-01"}) == \
        [dt.date(2022, 11, 1), dt.date(2022, 12, 1), dt.date(2023, 1, 1)]
    assert run_months({"dagster/partition": "2022-06-01"}) == [dt.date(2022, 6, 1)]
    assert run_months({}) is None  # a run of no partition: every month
