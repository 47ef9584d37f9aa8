"""What reviewers take away: the official workbooks (申报表, 自评表, 得分表, 问题清单, 上门服务不达标明细), the
reviewer report (self-contained HTML) and the Great Expectations data docs, written from warehouse tables.

Plain code, no Dagster: each writer takes DataFrames with documented columns and a path.
"""
