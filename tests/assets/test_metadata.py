"""What a reviewer reads in the UI about a load: the accounting per file stays readable at a file per region."""

import pandas as pd

from assets.metadata import PREVIEW_ROWS, accounting


def _files(n: int) -> pd.DataFrame:
    return pd.DataFrame({"source_file": [f"{110000 + i}/funds.csv" for i in range(n)], "rows_read": 10,
                         "rows_valid": [10 - (i == 7) * 3 for i in range(n)],
                         "rows_quarantined": [(i == 7) * 3 for i in range(n)], "blank_rows": 0,
                         "unknown_columns": None})


def test_a_few_files_are_all_listed():
    text = accounting(_files(5)).value
    assert all(f"{110000 + i}/funds.csv" in text for i in range(5))


def test_a_national_load_lists_the_files_with_quarantined_rows_first_and_says_where_the_rest_are():
    text = accounting(_files(600)).value
    lines = [line for line in text.splitlines() if "/funds.csv" in line]
    assert len(lines) == PREVIEW_ROWS
    assert "110007/funds.csv" in lines[0]
    assert text.endswith(f"{600 - PREVIEW_ROWS} more files: every file's accounting is in audit.ingest_files.")
