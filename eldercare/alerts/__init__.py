"""Early warning: elders heading for a shortfall this month and 人次 at risk, computed while there is time to act.

Plain domain code (no Dagster): the person-months as known on a date and the pace and risk of each in-scope
elder (`pace`), 人次 reachability (`person_times_risk`), the replay of past months (`backtest`) and the
institution call lists (`call_list`). The rules come from the `alerts:` block of the region's policy (`rules`).
"""
