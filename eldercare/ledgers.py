"""The raw ledger contract (shared/ledgers.md), written once: canonical columns, Chinese header aliases, cell kinds,
vocabularies with their accepted spellings, row rules, keys and references.

Everything else is derived from these definitions: the pandera models that gate rows (`checks/schemas.py`), the
DDL of the validated, quarantine and audit tables, the header matching and the column lists SQL reads. Headers
are matched after removing spaces, full-width punctuation and unit suffixes such as （元）, so `金额（元）` and
`金额` both reach `amount_yuan`; a header's unit (万元) is kept as the column's money unit.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from eldercare.contract import SQL_TYPES, Column, Field, RowRule, Table, Vocabulary  # noqa: F401 (re-exported)
from eldercare.formats import to_halfwidth


@dataclass(frozen=True)
class Ledger:
    """A raw ledger: the file stem it arrives as, its columns, key, row rules and derived stored fields."""

    name: str
    label: str  # Chinese name shown to the people who hand the file in
    file_stem: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    sheet_hint: str | None = None  # a column that tells this ledger's sheet apart in a shared workbook
    row_rules: tuple[RowRule, ...] = ()
    derived: tuple[Field, ...] = ()  # stored fields computed at load, not read from a cell
    monthly: bool = False  # one file per month; the stored rows carry the month (partition key)
    description: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def validated(self) -> Table:
        """The validated table of this ledger (see `validated_table`)."""
        return validated_table(self.name)


def _same(*values: str) -> dict[str, str]:
    return {v: v for v in values}


# Vocabularies: accepted spelling -> stored value. A new accepted spelling is one entry here.
HARDSHIP = _same("低保", "低保边缘", "特困", "低收入")
HARDSHIP |= {"特困供养": "特困", "低保户": "低保", "低收入家庭": "低收入", "低边": "低保边缘"}
ABILITY_LEVELS = _same("能力完好", "轻度失能", "中度失能", "重度失能", "完全失能")
# Legacy 4-level scale (pre-2022 assessments): loaded as spelled and flagged (ability_legacy), never mapped by guess.
LEGACY_ABILITY_LEVELS = ("能力完好", "轻度失能", "中度失能", "重度失能", "失能", "半失能", "部分失能", "自理")
SERVICE_TYPES = {"家庭养老床位": "bed_only", "居家上门服务": "home_visits", "两者": "both",
                 "上门服务": "home_visits", "家庭养老床位+上门服务": "both", "床位+上门": "both"}
EVENTS = {"去世": "died", "死亡": "died", "暂停": "paused", "暂缓": "paused", "恢复": "resumed",
          "迁出": "moved_away", "入住机构": "institutionalised", "终止": "terminated"}
# 通过 / 未通过 are other spellings of the acceptance result, stored as 合格 / 不合格.
ACCEPTANCE = {"合格": "合格", "不合格": "不合格", "通过": "合格", "未通过": "不合格"}
BED_ITEM_CATEGORIES = _same("适老化改造", "智能化设备", "老年用品")
SERVICE_ITEMS = _same("生活照料", "基础照护", "医疗护理", "健康管理", "康复辅助", "心理支持", "委托代办", "其他")
# 支出: the region's actual expenditure of project funds; 机构支出: an institution's own outlay (never execution).
FUND_KINDS = {"下达": "allocated", "到位": "received", "拨付": "paid", "支出": "spent", "机构支出": "institution_spent"}
FUND_SOURCES = {"中央": "中央", "中央级": "中央", "省级": "省级", "省": "省级", "市级": "市级", "市": "市级",
                "县级": "县级", "县": "县级", "区级": "县级", "区": "县级", "其他": "其他"}
FUND_PURPOSES = {"家庭养老床位": "beds", "上门服务": "home_visits", "居家上门服务": "home_visits", "其他": "other"}
SURVEY_ANSWERS = {"A": "A", "B": "B", "C": "C", "D": "D", "E": "E",
                  "非常满意": "A", "满意": "B", "一般": "C", "不满意": "D", "非常不满意": "E"}
SEXES = {"男": "男", "女": "女"}
RESPONDENT_GROUPS = _same("家庭养老床位", "居家上门服务")


def _closed(spellings: dict[str, str]) -> Vocabulary:
    return Vocabulary(spellings)


def _open(spellings: dict[str, str]) -> Vocabulary:
    """A vocabulary a region may extend (a local low-income category): other text loads as written."""
    return Vocabulary(spellings, closed=False)


C = Column

INSTITUTIONS = Ledger("institutions", "服务机构", "institutions", (
    C("institution_id", ("机构编号", "统一社会信用代码", "机构代码"), "code", True),
    C("name", ("机构名称", "服务机构"), "text", True),
    C("contract_signed", ("合同签订日期", "签订日期"), "date"),
    C("contract_amount_yuan", ("合同金额",), "money", ge=0, description="合同金额, 元"),
    C("planned_beds", ("计划床位数", "计划建设数"), "int", True, ge=0),
), key=("institution_id",), description="服务机构: a contracted service institution.")

ELDERS = Ledger("elders", "服务对象台账", "elders", (
    C("elder_id", ("服务对象编号",), "code", True),
    C("id_number", ("身份证号", "身份证号码"), "id_number", True),
    C("name", ("姓名", "长者姓名", "老人姓名"), "person_name", True),
    C("sex", ("性别",), "enum", vocabulary=_closed(SEXES), description="性别 (from the ID if absent)"),
    C("birth_date", ("出生日期",), "date", description="出生日期 (from the ID if absent)"),
    C("township", ("所属镇街", "镇（街道）", "镇街", "镇(街道)"), "text"),
    C("hardship", ("经济困难类型", "困难类型"), "label", True, _open(HARDSHIP),
      description="经济困难类型 (known spellings mapped; a local category loads as written)"),
    C("ability_level", ("能力等级", "失能等级"), "label", True, _open(ABILITY_LEVELS), description="能力等级 as written"),
    C("institution_id", ("服务机构", "机构编号"), "code", True),
    C("service_type", ("服务类型",), "enum", True, _closed(SERVICE_TYPES),
      description="bed_only / home_visits / both (服务类型)"),
    C("enrolled_on", ("纳入日期", "签约日期"), "date", True),
    C("self_funded", ("社会化", "自费"), "bool", default=False, description="社会化: served at the institution's own cost"),
), key=("elder_id",), row_rules=(
    RowRule("born_before_enrolment", "birth_date", "<", "enrolled_on", "出生日期 is not before 纳入日期: check both dates"),
), derived=(
    Field("ability_legacy", "BOOLEAN", False, "True when the level is not on the GB/T 42195-2022 scale"),
    Field("birth_date_matches_id", "BOOLEAN", False,
          "False when 出生日期 differs from the birth date in the ID number (a finding); True when absent or equal"),
), description="服务对象台账: one elder (一人一案); ID number and name are stored only as keyed hash and masks.")

STATUS_EVENTS = Ledger("status_events", "服务状态变更", "status_events", (
    C("elder_id", ("服务对象编号",), "code", True),
    C("event", ("变更类型",), "enum", True, _closed(EVENTS)),
    C("event_date", ("变更日期",), "date", True, not_after_as_of=True),
    C("note", ("说明", "备注"), "text"),
), description="服务状态变更: a death, pause, resumption, move, entry into an institution or termination.")

BEDS = Ledger("beds", "家庭养老床位建设台账", "beds", (
    C("elder_id", ("服务对象编号",), "code", True),
    C("institution_id", ("服务机构", "机构编号"), "code", True),
    C("planned_completion", ("计划完成日期",), "date", True),
    C("started_on", ("实际开工日期", "开工日期"), "date", not_after_as_of=True),
    C("completed_on", ("实际完成日期", "完成日期"), "date", not_after_as_of=True),
    C("accepted_on", ("验收日期",), "date", not_after_as_of=True),
    C("acceptance", ("验收结果",), "enum", vocabulary=_closed(ACCEPTANCE), description="验收结果 (通过 = 合格)"),
    C("accepted_amount_yuan", ("验收金额",), "money", ge=0, description="验收金额, 元"),
    C("paid_amount_yuan", ("实际支付金额", "支付金额"), "money", ge=0, description="实际支付金额, 元"),
    C("previously_renovated", ("已享受适老化改造", "是否已享受适老化改造"), "bool", default=False),
), key=("elder_id",), sheet_hint="planned_completion", row_rules=(
    RowRule("completed_after_start", "completed_on", ">=", "started_on",
            "实际完成日期 is before 实际开工日期: check both dates"),
), description="家庭养老床位: one family care bed and its building, acceptance and payment.")

BED_ITEMS = Ledger("bed_items", "床位改造明细", "bed_items", (
    C("elder_id", ("服务对象编号",), "code", True),
    C("category", ("类别", "改造类别"), "enum", True, _closed(BED_ITEM_CATEGORIES)),
    C("item", ("项目名称", "产品名称"), "text", True),
    C("quantity", ("数量",), "int", ge=1),
    C("amount_yuan", ("金额",), "money", True, ge=0, description="金额, 元"),
    C("personalised", ("个性化", "是否个性化"), "bool"),
    C("in_info_system", ("已录入信息系统", "是否录入系统", "录入信息系统"), "bool"),
), sheet_hint="category", description="床位改造明细: one item (renovation, smart device, aid) of a bed.")

VISITS = Ledger("visits", "上门服务记录", "visits", (
    C("visit_id", ("服务记录编号", "工单号"), "code", True),
    C("elder_id", ("服务对象编号",), "code", True),
    C("institution_id", ("服务机构", "机构编号"), "code", True),
    C("caregiver_id", ("护理员编号", "服务人员"), "code", True),
    C("service_item", ("服务项目",), "enum", True, _closed(SERVICE_ITEMS)),
    C("checkin_at", ("签到时间",), "datetime", True, not_after_as_of=True),
    C("checkout_at", ("签退时间",), "datetime", not_after_as_of=True,
      description="签退时间 (empty = open punch, a finding)"),
    C("duration_min", ("服务时长",), "duration", ge=0, description="服务时长 in minutes (null = not recorded)"),
), key=("visit_id",), monthly=True, row_rules=(
    RowRule("checkout_not_before_checkin", "checkout_at", ">=", "checkin_at",
            "签退时间 is before 签到时间: check the punch times"),
    RowRule("checkin_in_file_month", "checkin_at", "same_month", "month",
            "签到时间 is not in the month of this file: move the record to its own month's file"),
), derived=(
    Field("duration_recorded", "BOOLEAN", False, "False for 未记录时间 / open punches: unknown, not zero"),
), description="上门服务记录: one punch record of a home visit.")

FUNDS = Ledger("funds", "资金台账", "funds", (
    C("date", ("日期", "发生日期"), "date", True),
    C("kind", ("类型", "资金类型"), "enum", True, _closed(FUND_KINDS),
      description="allocated/received/paid/spent/institution_spent (下达/到位/拨付/支出/机构支出)"),
    C("source", ("资金来源", "来源"), "enum", True, _closed(FUND_SOURCES)),
    C("institution_id", ("拨付对象", "支出对象", "服务机构"), "code"),
    C("amount_yuan", ("金额",), "money", True, ge=0,
      description="金额 converted to 元 (万元 × 10000); a refund is not a negative amount here"),
    C("unit", ("单位", "金额单位"), "text", stored=False),
    C("document", ("文号",), "text"),
    C("purpose", ("用途",), "enum", vocabulary=_closed(FUND_PURPOSES)),
), description="资金台账: one allocation, receipt, payment or expenditure, in 元.")

SURVEY = Ledger("survey", "满意度调查", "survey", (
    C("questionnaire_id", ("问卷编号",), "code", True),
    C("institution_id", ("服务机构", "机构编号"), "code", True),
    C("surveyed_on", ("调查日期",), "date"),
    # A blank answer is not a defect of the row: the questionnaire is returned but not valid (the figures decide).
    *(C(f"q{i}", (f"第{i}题", f"问题{i}", f"Q{i}", f"q{i}"), "enum", False, _closed(SURVEY_ANSWERS),
        description=f"answer {i}: A–E (blank = unanswered: the questionnaire is not valid)") for i in range(1, 7)),
    C("valid", ("有效", "是否有效"), "bool", default=True, description="有效 (blank counts as valid)"),
    C("elder_id", ("服务对象编号",), "code", description="服务对象编号 (optional): bed vs home-service respondents"),
    C("respondent_group", ("受访对象类别",), "enum", vocabulary=_closed(RESPONDENT_GROUPS),
      description="受访对象类别 (optional): 家庭养老床位 / 居家上门服务"),
    C("aware", ("政策知晓", "是否知晓政策"), "bool", description="政策知晓 (optional): knew the policy (indicator 10)"),
), key=("questionnaire_id",),
    description="满意度调查: one questionnaire, answers as letters A (非常满意) … E (非常不满意).")

SERVICE_PLANS = Ledger("service_plans", "一人一案服务计划", "service_plans", (
    C("elder_id", ("服务对象编号",), "code", True),
    C("service_item", ("服务项目",), "label", True, _open(SERVICE_ITEMS),
      description="服务项目 chosen in the plan (known items mapped; a local item loads as written)"),
    C("personalised", ("个性化", "是否个性化"), "bool"),
    C("in_info_system", ("已录入信息系统", "是否录入系统", "录入信息系统"), "bool"),
), description="一人一案 (optional ledger): one service item chosen in an elder's plan (indicators 8 and 9).")

LEDGERS: dict[str, Ledger] = {
    lg.name: lg for lg in (INSTITUTIONS, ELDERS, STATUS_EVENTS, BEDS, BED_ITEMS, VISITS, FUNDS, SURVEY, SERVICE_PLANS)
}
SMALL_LEDGERS = tuple(name for name, lg in LEDGERS.items() if not lg.monthly)

_UNIT = re.compile(r"[（(]\s*(万元|元|分钟|小时)\s*[)）]$")
_NOISE = re.compile(r"[\s*＊:：]+")


@functools.lru_cache(maxsize=1 << 16, typed=True)
def header_key(header: object) -> tuple[str, str | None]:
    """Normalise a header cell for alias matching; return (key, unit written in the header or None). Cached: the
    same header cells come back in every region's file."""
    text = _NOISE.sub("", to_halfwidth(str(header))) if header is not None else ""
    m = _UNIT.search(text)
    unit = m.group(1) if m else None
    return (_UNIT.sub("", text), unit)


def alias_index(ledger: Ledger) -> dict[str, str]:
    """Map every normalised alias (and the canonical English name) to its canonical column."""
    index: dict[str, str] = {}
    for col in ledger.columns:
        for alias in (*col.aliases, col.name):
            index.setdefault(header_key(alias)[0], col.name)
    return index


@dataclass(frozen=True)
class ForeignKey:
    """A column of one ledger whose values must exist as keys of another ledger of the same region."""

    column: str
    target: str
    target_column: str

    @property
    def label(self) -> str:
        return f"{LEDGERS[self.target].label} ({self.target})"


FOREIGN_KEYS: dict[str, list[ForeignKey]] = {
    "elders": [ForeignKey("institution_id", "institutions", "institution_id")],
    "status_events": [ForeignKey("elder_id", "elders", "elder_id")],
    "beds": [ForeignKey("elder_id", "elders", "elder_id"), ForeignKey("institution_id", "institutions", "institution_id")],
    "bed_items": [ForeignKey("elder_id", "beds", "elder_id")],
    "funds": [ForeignKey("institution_id", "institutions", "institution_id")],
    "survey": [ForeignKey("institution_id", "institutions", "institution_id")],
    "service_plans": [ForeignKey("elder_id", "elders", "elder_id")],
    "visits": [ForeignKey("elder_id", "elders", "elder_id"), ForeignKey("institution_id", "institutions", "institution_id")],
}

# ------------------------------------------------------------------------------------------------------------------
# Stored tables, derived
# ------------------------------------------------------------------------------------------------------------------

REGION_FIELD = Field("region_code", "VARCHAR", False, "6-digit 行政区划代码 of the project region", matches=r"^\d{6}$")
SOURCE_FIELDS = (
    Field("source_file", "VARCHAR", False, "raw file the row came from, relative to the raw-data folder"),
    Field("source_row", "BIGINT", False, "row number in that file as a person sees it in Excel", ge=1),
)
MONTH_FIELD = Field("month", "DATE", False, "first day of the month file the record came from (partition key)")
HASH_PATTERN = r"^[0-9a-f]{32}$"


def _fields_of(ledger: Ledger, col: Column) -> tuple[Field, ...]:
    refs = {fk.column: fk.target for fk in FOREIGN_KEYS.get(ledger.name, [])}
    about = col.description or col.aliases[0]
    if col.name in refs and "must exist" not in about:
        about += f" (must exist in {refs[col.name]})"
    nullable = not col.required and col.default is None
    if col.kind == "id_number":
        return (Field("id_hash", "VARCHAR", nullable, "keyed hash of the ID number (joins)", matches=HASH_PATTERN),
                Field("id_masked", "VARCHAR", nullable, "ID number, first 6 and last 4 characters shown"))
    if col.kind == "person_name":
        return (Field("name_masked", "VARCHAR", nullable, "name, masked (张*华)"),)
    closed = col.vocabulary is not None and col.vocabulary.closed
    return (Field(col.name, SQL_TYPES[col.kind], nullable, about,
                  isin=tuple(col.vocabulary.values) if closed else None, ge=col.ge),)


@functools.cache
def validated_table(name: str) -> Table:
    """`validated.<ledger>`: lineage, then every stored column in ledger order, then the derived fields."""
    ledger = LEDGERS[name]
    lineage = (REGION_FIELD, MONTH_FIELD) if ledger.monthly else (REGION_FIELD,)
    fields = [f for col in ledger.columns if col.stored for f in _fields_of(ledger, col)]
    return Table(f"validated.{name}", (*lineage, *fields, *ledger.derived, *SOURCE_FIELDS))


def _f(name: str, sql: str = "VARCHAR", description: str = "") -> Field:
    return Field(name, sql, True, description)


# The bookkeeping tables every ledger writes: declared once here, DDL and column lists derived.
QUARANTINE_ROWS = Table("quarantine.rows", (
    _f("region_code"), _f("ledger"), _f("month", "DATE", "month of a visit file; null for the other ledgers"),
    _f("source_file"), _f("sheet"), _f("source_row", "BIGINT", "row as seen in Excel or an editor"),
    _f("column_name", description="canonical column"), _f("column_header", description="the column as written"),
    _f("value", description="the cell, masked if personal"), _f("rule"), _f("reason", description="what to do"),
    _f("elder_id", description="the elder the row is about, when known (visits)"),
))
REFUSED_FILES = Table("quarantine.refused_files", (
    _f("region_code"), _f("ledger"), _f("month", "DATE"),
    _f("source_file", description="the refused file, region.yaml or folder"), _f("reason"),
))
INGEST_FILES = Table("audit.ingest_files", (
    _f("region_code"), _f("ledger"), _f("month", "DATE"), _f("source_file"), _f("sheet"), _f("encoding"),
    _f("header_row", "BIGINT"), _f("rows_read", "BIGINT"), _f("blank_rows", "BIGINT"), _f("rows_valid", "BIGINT"),
    _f("rows_quarantined", "BIGINT"), _f("unknown_columns"),
))
REGIONS = Table("validated.regions", (
    Field("region_code", "VARCHAR", False, REGION_FIELD.description, matches=REGION_FIELD.matches),
    _f("name"), _f("project_year", "BIGINT"), _f("service_start", "DATE"), _f("window_start", "DATE"),
    _f("window_end", "DATE"), _f("visits_per_month", "DOUBLE"), _f("minutes_per_month", "DOUBLE"),
    _f("medical_visits_per_month", "DOUBLE"), _f("bed_subsidy_cap_yuan", "DOUBLE"), _f("source_file"),
))
BOOKKEEPING = (QUARANTINE_ROWS, REFUSED_FILES, INGEST_FILES)
SCHEMAS = ("validated", "quarantine", "audit", "metrics")


def bookkeeping_ddl() -> str:
    """The schemas and the quarantine / audit tables, as one SQL script (run on every read-write connection)."""
    return "\n".join([*(f"create schema if not exists {s};" for s in SCHEMAS), *(t.ddl() + ";" for t in BOOKKEEPING)])
