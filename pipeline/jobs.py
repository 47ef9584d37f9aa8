"""Jobs: everything for one month or a range of months, in one run (DuckDB has one writer)."""

import dagster as dg

from pipeline.partitions import monthly

# All assets; unpartitioned ledgers are rebuilt once per run, visits per requested month.
all_assets_job = dg.define_asset_job(
    "all_assets", selection=dg.AssetSelection.all(), partitions_def=monthly,
    description="Ingest every ledger of every region and the requested month(s) of visits, with their checks.",
)
