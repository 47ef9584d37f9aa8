"""The contract of the metric tables: one pandera model for every metric row, one per stored detail list.

A metric row is computable with a value, or not computable with a reason (`why_not`) and no value; ratios lie
in [0, 1]; money, counts, numerators and denominators are non-negative (only signed differences may be negative).
"""

from __future__ import annotations

import os

os.environ.setdefault("DISABLE_PANDERA_IMPORT_WARNING", "True")

import pandera.pandas as pa  # noqa: E402
from pandera.typing import Series  # noqa: E402

from eldercare.ledgers import FUND_SOURCES  # noqa: E402
from eldercare.metrics.catalogue import OPEN_RATIOS, SIGNED_METRICS  # noqa: E402
from eldercare.metrics.satisfaction import QUESTIONS  # noqa: E402

DATE = {"sql": "DATE"}
REGION = dict(str_matches=r"^\d{6}$", description="6-digit 行政区划代码 of the project region")
UNITS = ["ratio", "元", "元/床", "元/人", "元/人次", "days", "床", "人", "人次", "户月", "份", "分", "项", "met"]
MONEY_UNITS = ("元", "元/床", "元/人", "元/人次")


class MetricRow(pa.DataFrameModel):
    """One figure of a programme metric for a region (institution empty) or one of its institutions."""

    region_code: Series[str] = pa.Field(**REGION)
    institution_id: Series[str] = pa.Field(nullable=True, description="服务机构; empty for the region-level row")
    metric: Series[str] = pa.Field(str_matches=r"^[a-z][a-z0-9_]*$", description="metric id (snake_case)")
    label: Series[str] = pa.Field(str_length={"min_value": 1}, description="Chinese label as in the official tables")
    numerator: Series[float] = pa.Field(nullable=True, ge=0, description="what was counted (exact)")
    denominator: Series[float] = pa.Field(nullable=True, ge=0, description="what it was divided by (exact)")
    value: Series[float] = pa.Field(nullable=True, description="the figure, exact; empty when not computable")
    unit: Series[str] = pa.Field(isin=UNITS, description="ratio, 元, 元/床, 元/人, days, 床, 人, 份, 分")
    definition: Series[str] = pa.Field(str_length={"min_value": 1},
                                       description="one line: what was counted and what was excluded")
    computable: Series[bool] = pa.Field(description="False when an input is missing or the denominator is zero")
    why_not: Series[str] = pa.Field(nullable=True, description="'not computable: …' reason, set iff not computable")

    class Config:
        coerce = True
        strict = True
        unique = ["region_code", "institution_id", "metric"]

    @pa.dataframe_check(name="why_not_iff_not_computable")
    def why_not_iff_not_computable(cls, df):
        return df["computable"] == df["why_not"].isna()

    @pa.dataframe_check(name="value_iff_computable")
    def value_iff_computable(cls, df):
        return df["computable"] == df["value"].notna()

    @pa.dataframe_check(name="why_not_says_not_computable")
    def why_not_says_not_computable(cls, df):
        return df["why_not"].isna() | df["why_not"].astype(str).str.startswith("not computable: ")

    @pa.dataframe_check(name="ratio_in_unit_interval")
    def ratio_in_unit_interval(cls, df):
        """A share of a whole lies in [0, 1]; a ratio against a plan or baseline (OPEN_RATIOS) is only non-negative."""
        return (df["unit"] != "ratio") | df["value"].isna() | df["value"].between(0, 1) | df["metric"].isin(OPEN_RATIOS)

    @pa.dataframe_check(name="non_negative_value")
    def non_negative_value(cls, df):
        """Money, counts, days and scores are non-negative; only a signed difference (SIGNED_METRICS) may be < 0."""
        return df["metric"].isin(SIGNED_METRICS) | df["value"].isna() | (df["value"] >= 0)

    @pa.dataframe_check(name="money_in_yuan")
    def money_in_yuan(cls, df):
        """Money metrics (`*_yuan`) are stated in 元."""
        return ~df["metric"].str.contains("_yuan") | df["unit"].isin(MONEY_UNITS)


class FigureRow(MetricRow):
    """One row of metrics.figures: a programme figure with the policy keys that decide it."""

    policy: Series[str] = pa.Field(description="the policy / region.yaml keys that decide the figure ('-': none)")

    class Config:
        coerce = True
        strict = True
        unique = ["region_code", "institution_id", "metric"]

    @pa.dataframe_check(name="met_is_zero_or_one")
    def met_is_zero_or_one(cls, df):
        """A target figure (unit met) is 1 (met) or 0 (not met)."""
        return (df["unit"] != "met") | df["value"].isna() | df["value"].isin([0.0, 1.0])


class _Detail(pa.DataFrameModel):
    region_code: Series[str] = pa.Field(**REGION)

    class Config:
        coerce = True
        strict = True


class IneligibleRegistrationRow(_Detail):
    """A registered elder (not self-funded) who does not meet the eligibility rules, or cannot be checked."""

    institution_id: Series[str] = pa.Field(description="服务机构")
    elder_id: Series[str] = pa.Field(description="服务对象编号")
    service_type: Series[str] = pa.Field(description="bed_only / home_visits / both")
    status: Series[str] = pa.Field(isin=["ineligible", "undetermined"], description="ineligible or undetermined")
    reason: Series[str] = pa.Field(description="which rule failed, or why it cannot be checked")


class BedAboveCapRow(_Detail):
    """A built bed whose items in the capped categories (policy beds.cap_categories) cost more than the cap."""

    institution_id: Series[str] = pa.Field(description="服务机构")
    elder_id: Series[str] = pa.Field(description="服务对象编号")
    completed_on: Series[pa.DateTime] = pa.Field(metadata=DATE, description="实际完成日期")
    capped_items_yuan: Series[float] = pa.Field(ge=0, description="金额 of the bed's items in the capped categories, 元")
    cap_yuan: Series[float] = pa.Field(ge=0, description="bed_subsidy_cap_yuan of region.yaml, 元")
    excess_yuan: Series[float] = pa.Field(gt=0, description="capped items − cap, 元")


class FundTotalsRow(_Detail):
    """Funds totals of one region, source and institution (empty = rows without 拨付对象), as in the ledger."""

    source: Series[str] = pa.Field(isin=sorted(set(FUND_SOURCES.values())), description="资金来源")
    institution_id: Series[str] = pa.Field(nullable=True, description="拨付对象; empty when the rows name none")
    allocated_yuan: Series[float] = pa.Field(description="下达 total, 元 (signed as in the ledger)")
    received_yuan: Series[float] = pa.Field(description="到位 total, 元")
    paid_yuan: Series[float] = pa.Field(description="拨付 total, 元")
    spent_yuan: Series[float] = pa.Field(description="支出 total, 元")
    institution_spent_yuan: Series[float] = pa.Field(description="机构支出 total, 元 (beside execution)")
    rows: Series[int] = pa.Field(ge=1, description="funds ledger rows summed")


class SatisfactionQuestionRow(_Detail):
    """Answer tallies and exact mean points of one question over the valid questionnaires."""

    institution_id: Series[str] = pa.Field(nullable=True, description="服务机构; empty for the whole region")
    question: Series[str] = pa.Field(isin=list(QUESTIONS))
    valid: Series[int] = pa.Field(ge=1, description="valid questionnaires")
    answers_a: Series[int] = pa.Field(ge=0, description="A 非常满意")
    answers_b: Series[int] = pa.Field(ge=0, description="B 满意")
    answers_c: Series[int] = pa.Field(ge=0, description="C 一般")
    answers_d: Series[int] = pa.Field(ge=0, description="D 不满意")
    answers_e: Series[int] = pa.Field(ge=0, description="E 非常不满意")
    mean_points: Series[float] = pa.Field(ge=0, description="exact mean points of the question (not rounded)")
    max_points: Series[float] = pa.Field(ge=0, description="points of the best answer")

    @pa.dataframe_check(name="answers_add_up")
    def answers_add_up(cls, df):
        return df[["answers_a", "answers_b", "answers_c", "answers_d", "answers_e"]].sum(axis=1) == df["valid"]

    @pa.dataframe_check(name="mean_within_max")
    def mean_within_max(cls, df):
        return df["mean_points"] <= df["max_points"] + 1e-9


class BedTimelinessRow(_Detail):
    """A bed that is late, not completed, not yet accepted or failed acceptance."""

    institution_id: Series[str] = pa.Field(description="服务机构")
    elder_id: Series[str] = pa.Field(description="服务对象编号")
    planned_completion: Series[pa.DateTime] = pa.Field(metadata=DATE, description="计划完成日期")
    completed_on: Series[pa.DateTime] = pa.Field(nullable=True, metadata=DATE, description="实际完成日期")
    days_late: Series[float] = pa.Field(nullable=True, ge=0, description="实际完成日期 − 计划完成日期, early = 0")
    acceptance: Series[str] = pa.Field(nullable=True, isin=["合格", "不合格"], description="验收结果")
    accepted_on: Series[pa.DateTime] = pa.Field(nullable=True, metadata=DATE, description="验收日期")
    findings: Series[str] = pa.Field(description="late by N days; not completed; not accepted; failed acceptance")


class OverspendBedRow(_Detail):
    """A bed paid above its 验收金额, or paid without one."""

    institution_id: Series[str] = pa.Field(description="服务机构")
    elder_id: Series[str] = pa.Field(description="服务对象编号")
    paid_amount_yuan: Series[float] = pa.Field(ge=0, description="实际支付金额, 元")
    accepted_amount_yuan: Series[float] = pa.Field(nullable=True, ge=0, description="验收金额, 元")
    difference_yuan: Series[float] = pa.Field(nullable=True, gt=0, description="paid − accepted, 元")
    finding: Series[str] = pa.Field(isin=["paid above 验收金额", "paid without 验收金额"])


class DoubleRenovationRow(_Detail):
    """A bed for a home already renovated under the earlier 适老化改造 programme that got 适老化改造 items again."""

    institution_id: Series[str] = pa.Field(description="服务机构")
    elder_id: Series[str] = pa.Field(description="服务对象编号")
    completed_on: Series[pa.DateTime] = pa.Field(nullable=True, metadata=DATE, description="实际完成日期")
    acceptance: Series[str] = pa.Field(nullable=True, description="验收结果")
    paid_amount_yuan: Series[float] = pa.Field(nullable=True, ge=0, description="实际支付金额, 元")
    double_items_yuan: Series[float] = pa.Field(ge=0, description="金额 of its items in policy "
                                                                  "beds.double_renovation_categories, 元")


class BedPaymentsRow(_Detail):
    """An institution whose bed payments, bed items and funds 拨付 for 床位 do not agree (point 8)."""

    institution_id: Series[str] = pa.Field(description="服务机构")
    beds_paid_yuan: Series[float] = pa.Field(description="sum of 实际支付金额 in the beds ledger, 元")
    bed_items_yuan: Series[float] = pa.Field(description="sum of 金额 in 床位改造明细, 元")
    funds_paid_beds_yuan: Series[float] = pa.Field(description="拨付 with 用途 家庭养老床位 to the institution, 元")
    items_minus_beds_yuan: Series[float] = pa.Field(description="items − bed payments, 元")
    funds_minus_beds_yuan: Series[float] = pa.Field(description="拨付 − bed payments, 元")


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
