"""The contract of the metric tables: one pandera polars model for every metric row, one per stored detail list.

A metric row is computable with a value, or not computable with a reason (`why_not`) and no value; ratios lie
in [0, 1]; money, counts, numerators and denominators are non-negative (only signed differences may be negative).
"""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("DISABLE_PANDERA_IMPORT_WARNING", "True")

import pandera.polars as pa  # noqa: E402
import polars as pl  # noqa: E402
from pandera.api.polars.types import PolarsData  # noqa: E402

from checks.polars_models import missing, row_check  # noqa: E402
from eldercare.ledgers import FUND_SOURCES  # noqa: E402
from eldercare.metrics.catalogue import OPEN_RATIOS, SIGNED_METRICS  # noqa: E402
from eldercare.metrics.satisfaction import QUESTIONS  # noqa: E402

REGION = dict(str_matches=r"^\d{6}$", description="6-digit 行政区划代码 of the project region")
UNITS = ["ratio", "元", "元/床", "元/人", "元/人次", "days", "床", "人", "人次", "户月", "份", "分", "项", "met"]
MONEY_UNITS = ["元", "元/床", "元/人", "元/人次"]


class MetricRow(pa.DataFrameModel):
    """One figure of a programme metric for a region (institution empty) or one of its institutions."""

    region_code: str = pa.Field(**REGION)
    institution_id: str = pa.Field(nullable=True, description="服务机构; empty for the region-level row")
    metric: str = pa.Field(str_matches=r"^[a-z][a-z0-9_]*$", description="metric id (snake_case)")
    label: str = pa.Field(str_length={"min_value": 1}, description="Chinese label as in the official tables")
    numerator: float = pa.Field(nullable=True, ge=0, description="what was counted (exact)")
    denominator: float = pa.Field(nullable=True, ge=0, description="what it was divided by (exact)")
    value: float = pa.Field(nullable=True, description="the figure, exact; empty when not computable")
    unit: str = pa.Field(isin=UNITS, description="ratio, 元, 元/床, 元/人, days, 床, 人, 份, 分")
    definition: str = pa.Field(str_length={"min_value": 1},
                               description="one line: what was counted and what was excluded")
    computable: bool = pa.Field(description="False when an input is missing or the denominator is zero")
    why_not: str = pa.Field(nullable=True, description="'not computable: …' reason, set iff not computable")

    class Config:
        coerce = True
        strict = True
        unique = ["region_code", "institution_id", "metric"]

    @pa.dataframe_check(name="why_not_iff_not_computable")
    def why_not_iff_not_computable(cls, data: PolarsData) -> pl.LazyFrame:
        return row_check(data, pl.col("computable") == pl.col("why_not").is_null())

    @pa.dataframe_check(name="value_iff_computable")
    def value_iff_computable(cls, data: PolarsData) -> pl.LazyFrame:
        return row_check(data, pl.col("computable") == ~missing("value"))

    @pa.dataframe_check(name="why_not_says_not_computable")
    def why_not_says_not_computable(cls, data: PolarsData) -> pl.LazyFrame:
        return row_check(data, pl.col("why_not").is_null() | pl.col("why_not").str.starts_with("not computable: "))

    @pa.dataframe_check(name="ratio_in_unit_interval")
    def ratio_in_unit_interval(cls, data: PolarsData) -> pl.LazyFrame:
        """A share of a whole lies in [0, 1]; a ratio against a plan or baseline (OPEN_RATIOS) is only non-negative."""
        return row_check(data, (pl.col("unit") != "ratio") | missing("value") | pl.col("value").is_between(0, 1)
                         | pl.col("metric").is_in(sorted(OPEN_RATIOS)))

    @pa.dataframe_check(name="non_negative_value")
    def non_negative_value(cls, data: PolarsData) -> pl.LazyFrame:
        """Money, counts, days and scores are non-negative; only a signed difference (SIGNED_METRICS) may be < 0."""
        return row_check(data, pl.col("metric").is_in(sorted(SIGNED_METRICS)) | missing("value")
                         | (pl.col("value") >= 0))

    @pa.dataframe_check(name="money_in_yuan")
    def money_in_yuan(cls, data: PolarsData) -> pl.LazyFrame:
        """Money metrics (`*_yuan`) are stated in 元."""
        return row_check(data, ~pl.col("metric").str.contains("_yuan", literal=True)
                         | pl.col("unit").is_in(MONEY_UNITS))


class FigureRow(MetricRow):
    """One row of metrics.figures: a programme figure with the policy keys that decide it."""

    policy: str = pa.Field(description="the policy / region.yaml keys that decide the figure ('-': none)")

    class Config:
        coerce = True
        strict = True
        unique = ["region_code", "institution_id", "metric"]

    @pa.dataframe_check(name="met_is_zero_or_one")
    def met_is_zero_or_one(cls, data: PolarsData) -> pl.LazyFrame:
        """A target figure (unit met) is 1 (met) or 0 (not met)."""
        return row_check(data, (pl.col("unit") != "met") | missing("value") | pl.col("value").is_in([0.0, 1.0]))


class _Detail(pa.DataFrameModel):
    region_code: str = pa.Field(**REGION)

    class Config:
        coerce = True
        strict = True


class IneligibleRegistrationRow(_Detail):
    """A registered elder (not self-funded) who does not meet the eligibility rules, or cannot be checked."""

    institution_id: str = pa.Field(description="服务机构")
    elder_id: str = pa.Field(description="服务对象编号")
    service_type: str = pa.Field(description="bed_only / home_visits / both")
    status: str = pa.Field(isin=["ineligible", "undetermined"], description="ineligible or undetermined")
    reason: str = pa.Field(description="which rule failed, or why it cannot be checked")


class BedAboveCapRow(_Detail):
    """A built bed whose items in the capped categories (policy beds.cap_categories) cost more than the cap."""

    institution_id: str = pa.Field(description="服务机构")
    elder_id: str = pa.Field(description="服务对象编号")
    completed_on: dt.date = pa.Field(description="实际完成日期")
    capped_items_yuan: float = pa.Field(ge=0, description="金额 of the bed's items in the capped categories, 元")
    cap_yuan: float = pa.Field(ge=0, description="bed_subsidy_cap_yuan of region.yaml, 元")
    excess_yuan: float = pa.Field(gt=0, description="capped items − cap, 元")


class FundTotalsRow(_Detail):
    """Funds totals of one region, source and institution (empty = rows without 拨付对象), as in the ledger."""

    source: str = pa.Field(isin=sorted(set(FUND_SOURCES.values())), description="资金来源")
    institution_id: str = pa.Field(nullable=True, description="拨付对象; empty when the rows name none")
    allocated_yuan: float = pa.Field(description="下达 total, 元 (signed as in the ledger)")
    received_yuan: float = pa.Field(description="到位 total, 元")
    paid_yuan: float = pa.Field(description="拨付 total, 元")
    spent_yuan: float = pa.Field(description="支出 total, 元")
    institution_spent_yuan: float = pa.Field(description="机构支出 total, 元 (beside execution)")
    rows: int = pa.Field(ge=1, description="funds ledger rows summed")


ANSWERS = ["answers_a", "answers_b", "answers_c", "answers_d", "answers_e"]


class SatisfactionQuestionRow(_Detail):
    """Answer tallies and exact mean points of one question over the valid questionnaires."""

    institution_id: str = pa.Field(nullable=True, description="服务机构; empty for the whole region")
    question: str = pa.Field(isin=list(QUESTIONS))
    valid: int = pa.Field(ge=1, description="valid questionnaires")
    answers_a: int = pa.Field(ge=0, description="A 非常满意")
    answers_b: int = pa.Field(ge=0, description="B 满意")
    answers_c: int = pa.Field(ge=0, description="C 一般")
    answers_d: int = pa.Field(ge=0, description="D 不满意")
    answers_e: int = pa.Field(ge=0, description="E 非常不满意")
    mean_points: float = pa.Field(ge=0, description="exact mean points of the question (not rounded)")
    max_points: float = pa.Field(ge=0, description="points of the best answer")

    @pa.dataframe_check(name="answers_add_up")
    def answers_add_up(cls, data: PolarsData) -> pl.LazyFrame:
        return row_check(data, pl.sum_horizontal(ANSWERS) == pl.col("valid"))

    @pa.dataframe_check(name="mean_within_max")
    def mean_within_max(cls, data: PolarsData) -> pl.LazyFrame:
        return row_check(data, ~missing("mean_points") & ~missing("max_points")
                         & (pl.col("mean_points") <= pl.col("max_points") + 1e-9))


class BedTimelinessRow(_Detail):
    """A bed that is late, not completed, not yet accepted or failed acceptance."""

    institution_id: str = pa.Field(description="服务机构")
    elder_id: str = pa.Field(description="服务对象编号")
    planned_completion: dt.date = pa.Field(description="计划完成日期")
    completed_on: dt.date = pa.Field(nullable=True, description="实际完成日期")
    days_late: float = pa.Field(nullable=True, ge=0, description="实际完成日期 − 计划完成日期, early = 0")
    acceptance: str = pa.Field(nullable=True, isin=["合格", "不合格"], description="验收结果")
    accepted_on: dt.date = pa.Field(nullable=True, description="验收日期")
    findings: str = pa.Field(description="late by N days; not completed; not accepted; failed acceptance")


class OverspendBedRow(_Detail):
    """A bed paid above its 验收金额, or paid without one."""

    institution_id: str = pa.Field(description="服务机构")
    elder_id: str = pa.Field(description="服务对象编号")
    paid_amount_yuan: float = pa.Field(ge=0, description="实际支付金额, 元")
    accepted_amount_yuan: float = pa.Field(nullable=True, ge=0, description="验收金额, 元")
    difference_yuan: float = pa.Field(nullable=True, gt=0, description="paid − accepted, 元")
    finding: str = pa.Field(isin=["paid above 验收金额", "paid without 验收金额"])


class DoubleRenovationRow(_Detail):
    """A bed for a home already renovated under the earlier 适老化改造 programme that got 适老化改造 items again."""

    institution_id: str = pa.Field(description="服务机构")
    elder_id: str = pa.Field(description="服务对象编号")
    completed_on: dt.date = pa.Field(nullable=True, description="实际完成日期")
    acceptance: str = pa.Field(nullable=True, description="验收结果")
    paid_amount_yuan: float = pa.Field(nullable=True, ge=0, description="实际支付金额, 元")
    double_items_yuan: float = pa.Field(ge=0, description="金额 of its items in policy "
                                                          "beds.double_renovation_categories, 元")


class BedPaymentsRow(_Detail):
    """An institution whose bed payments, bed items and funds 拨付 for 床位 do not agree (point 8)."""

    institution_id: str = pa.Field(description="服务机构")
    beds_paid_yuan: float = pa.Field(description="sum of 实际支付金额 in the beds ledger, 元")
    bed_items_yuan: float = pa.Field(description="sum of 金额 in 床位改造明细, 元")
    funds_paid_beds_yuan: float = pa.Field(description="拨付 with 用途 家庭养老床位 to the institution, 元")
    items_minus_beds_yuan: float = pa.Field(description="items − bed payments, 元")
    funds_minus_beds_yuan: float = pa.Field(description="拨付 − bed payments, 元")


# topic -> the model of its `metrics.<topic>_detail` list (written with metrics.figures)
METRIC_DETAIL_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "coverage": IneligibleRegistrationRow,
    "cost_per_bed": BedAboveCapRow,
    "budget_execution": FundTotalsRow,
    "satisfaction": SatisfactionQuestionRow,
    "bed_timeliness": BedTimelinessRow,
    "renovation_overspend": OverspendBedRow,
    "double_renovation": DoubleRenovationRow,
    "bed_payments": BedPaymentsRow,
}
