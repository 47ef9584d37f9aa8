"""Monthly partitions shared by every month-keyed asset: one partition per visit month file."""

import dagster as dg

PROGRAMME_START = "2021-01-01"  # the programme's first batch of regions (2021)

# end_offset=1 makes the current, still open month a partition: the nightly run refreshes it.
# Months are Beijing-time months; assets turn a partition window into plain DATEs (month starts) at once.
monthly = dg.MonthlyPartitionsDefinition(start_date=PROGRAMME_START, end_offset=1, timezone="Asia/Shanghai")
