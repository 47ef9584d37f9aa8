"""The contract of every validated table: one pandera model each, the single place a row's rules are written.

Small ledgers use pandera's pandas backend; visits (3M rows a national month) its polars backend. Field
descriptions become the column docs in the Dagster UI; `metadata={"sql": ...}` fixes the warehouse type.
"""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("DISABLE_PANDERA_IMPORT_WARNING", "True")

import pandera.pandas as pa  # noqa: E402
import pandera.polars as papl  # noqa: E402
import polars as pl  # noqa: E402
from pandera.api.polars.types import PolarsData  # noqa: E402
from pandera.typing import Series  # noqa: E402

from eldercare.ledgers import (  # noqa: E402
    ABILITY_LEVELS, BED_ITEM_CATEGORIES, EVENTS, FUND_KINDS, FUND_PURPOSES, FUND_SOURCES, HARDSHIP,
    LEGACY_ABILITY_LEVELS, SERVICE_ITEMS, SERVICE_TYPES,
)

DATE = {"sql": "DATE"}
REGION = dict(str_matches=r"^\d{6}$", description="6-digit 行政区划代码 of the project region")


class _Lineage(pa.DataFrameModel):
    region_code: Series[str] = pa.Field(**REGION)
    source_file: Series[str] = pa.Field(description="raw file the row came from, relative to the raw-data folder")
    source_row: Series[int] = pa.Field(ge=1, description="row number in that file as a person sees it in Excel")

    class Config:
        coerce = True
        strict = "filter"


class InstitutionRow(_Lineage):
    """服务机构: a contracted service institution."""

    institution_id: Series[str] = pa.Field(description="机构编号 / 统一社会信用代码")
    name: Series[str] = pa.Field(description="机构名称")
    contract_signed: Series[pa.DateTime] = pa.Field(nullable=True, metadata=DATE, description="合同签订日期")
    contract_amount_yuan: Series[float] = pa.Field(nullable=True, ge=0, description="合同金额, 元")
    planned_beds: Series[int] = pa.Field(ge=0, description="计划床位数")


class ElderRow(_Lineage):
    """服务对象台账: one elder (一人一案); ID number and name are stored only as keyed hash and masks."""

    elder_id: Series[str] = pa.Field(description="服务对象编号")
    id_hash: Series[str] = pa.Field(str_matches=r"^[0-9a-f]{32}$", description="keyed hash of the ID number (joins)")
    id_masked: Series[str] = pa.Field(description="ID number, first 6 and last 4 characters shown")
    name_masked: Series[str] = pa.Field(description="name, masked (张*华)")
    sex: Series[str] = pa.Field(nullable=True, isin=["男", "女"], description="性别 (from the ID if absent)")
    birth_date: Series[pa.DateTime] = pa.Field(nullable=True, metadata=DATE, description="出生日期")
    township: Series[str] = pa.Field(nullable=True, description="所属镇街")
    hardship: Series[str] = pa.Field(isin=sorted(set(HARDSHIP.values())), description="经济困难类型")
    ability_level: Series[str] = pa.Field(
        isin=sorted(set(ABILITY_LEVELS) | set(LEGACY_ABILITY_LEVELS)), description="能力等级 as written")
    ability_legacy: Series[bool] = pa.Field(description="True when the level is not on the GB/T 42195-2022 scale")
    institution_id: Series[str] = pa.Field(description="服务机构 (must exist in institutions)")
    service_type: Series[str] = pa.Field(isin=sorted(set(SERVICE_TYPES.values())),
                                         description="bed_only / home_visits / both (服务类型)")
    enrolled_on: Series[pa.DateTime] = pa.Field(metadata=DATE, description="纳入日期")
    self_funded: Series[bool] = pa.Field(description="社会化: served at the institution's own cost")

    @pa.dataframe_check(name="born_before_enrolment")
    def born_before_enrolment(cls, df):
        return df["birth_date"].isna() | (df["birth_date"] < df["enrolled_on"])


class StatusEventRow(_Lineage):
    """服务状态变更: a death, pause, resumption, move, entry into an institution or termination."""

    elder_id: Series[str] = pa.Field(description="服务对象编号 (must exist in elders)")
    event: Series[str] = pa.Field(isin=sorted(set(EVENTS.values())), description="变更类型")
    event_date: Series[pa.DateTime] = pa.Field(metadata=DATE, description="变更日期")
    note: Series[str] = pa.Field(nullable=True, description="说明")


class BedRow(_Lineage):
    """家庭养老床位: one family care bed and its building, acceptance and payment."""

    elder_id: Series[str] = pa.Field(description="服务对象编号 (must exist in elders)")
    institution_id: Series[str] = pa.Field(description="服务机构 (must exist in institutions)")
    planned_completion: Series[pa.DateTime] = pa.Field(metadata=DATE, description="计划完成日期")
    started_on: Series[pa.DateTime] = pa.Field(nullable=True, metadata=DATE, description="实际开工日期")
    completed_on: Series[pa.DateTime] = pa.Field(nullable=True, metadata=DATE, description="实际完成日期")
    accepted_on: Series[pa.DateTime] = pa.Field(nullable=True, metadata=DATE, description="验收日期")
    acceptance: Series[str] = pa.Field(nullable=True, isin=["合格", "不合格"], description="验收结果")
    accepted_amount_yuan: Series[float] = pa.Field(nullable=True, ge=0, description="验收金额, 元")
    paid_amount_yuan: Series[float] = pa.Field(nullable=True, ge=0, description="实际支付金额, 元")
    previously_renovated: Series[bool] = pa.Field(description="已享受适老化改造 (earlier programme)")

    @pa.dataframe_check(name="completed_after_start")
    def completed_after_start(cls, df):
        return df["completed_on"].isna() | df["started_on"].isna() | (df["completed_on"] >= df["started_on"])


class BedItemRow(_Lineage):
    """床位改造明细: one item (renovation, smart device, aid) of a bed."""

    elder_id: Series[str] = pa.Field(description="服务对象编号 (must have a bed)")
    category: Series[str] = pa.Field(isin=sorted(BED_ITEM_CATEGORIES), description="类别")
    item: Series[str] = pa.Field(description="项目名称")
    quantity: Series[int] = pa.Field(nullable=True, ge=1, description="数量")
    amount_yuan: Series[float] = pa.Field(ge=0, description="金额, 元")
    personalised: Series[bool] = pa.Field(nullable=True, description="是否个性化")
    in_info_system: Series[bool] = pa.Field(nullable=True, description="已录入信息系统")


class FundRow(_Lineage):
    """资金台账: one allocation, receipt, payment or expenditure, in 元."""

    date: Series[pa.DateTime] = pa.Field(metadata=DATE, description="日期")
    kind: Series[str] = pa.Field(isin=sorted(set(FUND_KINDS.values())), description="allocated/received/paid/spent")
    source: Series[str] = pa.Field(isin=sorted(set(FUND_SOURCES.values())), description="资金来源")
    institution_id: Series[str] = pa.Field(nullable=True, description="拨付对象 (must exist in institutions)")
    amount_yuan: Series[float] = pa.Field(description="金额 converted to 元 (万元 × 10000)")
    document: Series[str] = pa.Field(nullable=True, description="文号")
    purpose: Series[str] = pa.Field(nullable=True, isin=sorted(set(FUND_PURPOSES.values())), description="用途")


class SurveyRow(_Lineage):
    """满意度调查: one questionnaire, answers as letters A (非常满意) … E (非常不满意)."""

    questionnaire_id: Series[str] = pa.Field(description="问卷编号")
    institution_id: Series[str] = pa.Field(description="服务机构 (must exist in institutions)")
    surveyed_on: Series[pa.DateTime] = pa.Field(nullable=True, metadata=DATE, description="调查日期")
    q1: Series[str] = pa.Field(isin=list("ABCDE"))
    q2: Series[str] = pa.Field(isin=list("ABCDE"))
    q3: Series[str] = pa.Field(isin=list("ABCDE"))
    q4: Series[str] = pa.Field(isin=list("ABCDE"))
    q5: Series[str] = pa.Field(isin=list("ABCDE"))
    q6: Series[str] = pa.Field(isin=list("ABCDE"))
    valid: Series[bool] = pa.Field(description="有效 (blank counts as valid)")


class VisitRow(papl.DataFrameModel):
    """上门服务记录: one punch record of a home visit (polars backend: national months are 3M rows)."""

    region_code: str = papl.Field(**REGION)
    month: dt.date = papl.Field(description="first day of the month file the record came from (partition key)")
    visit_id: str = papl.Field(description="服务记录编号 / 工单号")
    elder_id: str = papl.Field(description="服务对象编号 (must exist in elders)")
    institution_id: str = papl.Field(description="服务机构 (must exist in institutions)")
    caregiver_id: str = papl.Field(description="护理员编号")
    service_item: str = papl.Field(isin=sorted(SERVICE_ITEMS), description="服务项目")
    checkin_at: dt.datetime = papl.Field(description="签到时间")
    checkout_at: dt.datetime = papl.Field(nullable=True, description="签退时间 (empty = open punch, a finding)")
    duration_min: float = papl.Field(nullable=True, ge=0, description="服务时长 in minutes (null = not recorded)")
    duration_recorded: bool = papl.Field(description="False for 未记录时间 / open punches: unknown, not zero")
    source_file: str = papl.Field(description="raw file the row came from, relative to the raw-data folder")
    source_row: int = papl.Field(ge=1, description="row number in that file")

    class Config:
        coerce = True
        strict = "filter"

    @papl.dataframe_check(name="checkout_not_before_checkin")
    def checkout_not_before_checkin(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("checkout_at").is_null() | (pl.col("checkout_at") >= pl.col("checkin_at"))).alias("ok"))

    @papl.dataframe_check(name="checkin_in_file_month")
    def checkin_in_file_month(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("checkin_at").dt.truncate("1mo").dt.date() == pl.col("month")).alias("ok"))


# What a clerk reads when a check fails; `{header}` is the column as written in the file, `{value}` the cell.
CHECK_REASONS = {
    "not_nullable": "{header}: required value is empty",
    "born_before_enrolment": "出生日期 is not before 纳入日期: check both dates",
    "completed_after_start": "实际完成日期 is before 实际开工日期: check both dates",
    "checkout_not_before_checkin": "签退时间 is before 签到时间: check the punch times",
    "checkin_in_file_month": "签到时间 is not in the month of this file: move the record to its own month's file",
    "str_matches": "{header}: '{value}' does not have the expected form",
    "isin": "{header}: '{value}' is not an accepted value",
    "greater_than_or_equal_to": "{header}: {value} is negative",
    "field_uniqueness": "{header}: '{value}' appears more than once",
    "dtype": "{header}: '{value}' has the wrong type",
}

# The column a row-level (dataframe) check is about, so quarantine can show that column and its value.
CHECK_COLUMNS = {
    "born_before_enrolment": "birth_date",
    "completed_after_start": "completed_on",
    "checkout_not_before_checkin": "checkout_at",
    "checkin_in_file_month": "checkin_at",
}

SMALL_LEDGER_MODELS = {
    "institutions": InstitutionRow, "elders": ElderRow, "status_events": StatusEventRow, "beds": BedRow,
    "bed_items": BedItemRow, "funds": FundRow, "survey": SurveyRow,
}
