"""Helpers of the rubric tests: the rubrics as configured, the figure ids the pipeline knows, scoring helpers."""

from pathlib import Path

import pandas as pd
import pytest

from assets.scores import KNOWN_FIGURES  # the one place the figure catalogue is imported
from eldercare.rubrics.engine import score_rubric
from eldercare.rubrics.judgments import Judgments, check_against, load_judgments
from eldercare.rubrics.model import load_rubrics

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rubrics"
KNOWN = set(KNOWN_FIGURES)


@pytest.fixture(scope="session")
def rubrics():
    return load_rubrics(KNOWN)


def figures(rows: list[tuple]) -> pd.DataFrame:
    """A long figure frame from (region_code, institution_id, metric, value) tuples; None value = not computable."""
    return pd.DataFrame([{"region_code": r, "institution_id": i, "metric": m, "value": v, "computable": v is not None,
                          "why_not": None if v is not None else f"not computable: {m} input unknown"}
                         for r, i, m, v in rows])


def score(rubrics, rubric_id, subjects, figure_frame, judgments: Judgments | None = None):
    j = check_against(judgments or Judgments.empty(), rubrics)
    return score_rubric(rubrics[rubric_id], pd.DataFrame(subjects, columns=["region_code", "subject"]),
                        figure_frame, j)


def fixture_judgments(name: str, region: str) -> Judgments:
    return load_judgments(FIXTURES / name, region)
