"""The raw ledger contract (shared/ledgers.md) as data: canonical columns, Chinese header aliases, kinds.

Headers are matched after removing spaces, full-width punctuation and unit suffixes such as （元）, so
`金额（元）` and `金额` both reach `amount_yuan`; a header's unit (万元) is kept as the column's money unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from eldercare.formats import to_halfwidth


@dataclass(frozen=True)
class Column:
    """One canonical column of a ledger: its aliases, how to parse it, whether it must be present."""

    name: str
    aliases: tuple[str, ...]
    kind: str  # text | code | enum | date | datetime | money | int | bool | duration | id_number | person_name
    required: bool = False
    choices: dict[str, str] | None = None  # accepted spelling -> canonical value (enum kind)


@dataclass(frozen=True)
class Ledger:
    """A raw ledger: the file stem it arrives as and its columns."""

    name: str
    label: str  # Chinese name shown to the people who hand the file in
    file_stem: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    sheet_hint: str | None = None  # a column that tells this ledger's sheet apart in a shared workbook
    extra: dict = field(default_factory=dict)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _same(*values: str) -> dict[str, str]:
    return {v: v for v in values}


HARDSHIP = _same("低保", "低保边缘", "特困", "低收入")
HARDSHIP |= {"特困供养": "特困", "低保户": "低保", "低收入家庭": "低收入", "低边": "低保边缘"}
ABILITY_LEVELS = _same("能力完好", "轻度失能", "中度失能", "重度失能", "完全失能")
# Legacy 4-level scale (pre-2022 assessments): accepted as spelled but flagged, never mapped by guess.
LEGACY_ABILITY_LEVELS = ("能力完好", "轻度失能", "中度失能", "重度失能", "失能", "半失能", "部分失能", "自理")
SERVICE_TYPES = {"家庭养老床位": "bed_only", "居家上门服务": "home_visits", "两者": "both",
                 "上门服务": "home_visits", "家庭养老床位+上门服务": "both", "床位+上门": "both"}
EVENTS = {"去世": "died", "死亡": "died", "暂停": "paused", "暂缓": "paused", "恢复": "resumed",
          "迁出": "moved_away", "入住机构": "institutionalised", "终止": "terminated"}
ACCEPTANCE = {"合格": True, "不合格": False, "通过": True, "未通过": False}
BED_ITEM_CATEGORIES = _same("适老化改造", "智能化设备", "老年用品")
SERVICE_ITEMS = _same("生活照料", "基础照护", "医疗护理", "健康管理", "康复辅助", "心理支持", "委托代办", "其他")
FUND_KINDS = {"下达": "allocated", "到位": "received", "拨付": "paid", "支出": "spent"}
FUND_SOURCES = {"中央": "中央", "中央级": "中央", "省级": "省级", "省": "省级", "市级": "市级", "市": "市级",
                "县级": "县级", "县": "县级", "区级": "县级", "区": "县级", "其他": "其他"}
FUND_PURPOSES = {"家庭养老床位": "beds", "上门服务": "home_visits", "居家上门服务": "home_visits", "其他": "other"}
SURVEY_ANSWERS = {"A": "A", "B": "B", "C": "C", "D": "D", "E": "E",
                  "非常满意": "A", "满意": "B", "一般": "C", "不满意": "D", "非常不满意": "E"}
SEXES = {"男": "男", "女": "女"}

C = Column

INSTITUTIONS = Ledger("institutions", "服务机构", "institutions", (
    C("institution_id", ("机构编号", "统一社会信用代码", "机构代码"), "code", True),
    C("name", ("机构名称", "服务机构"), "text", True),
    C("contract_signed", ("合同签订日期", "签订日期"), "date"),
    C("contract_amount_yuan", ("合同金额",), "money"),
    C("planned_beds", ("计划床位数", "计划建设数"), "int", True),
), key=("institution_id",))

ELDERS = Ledger("elders", "服务对象台账", "elders", (
    C("elder_id", ("服务对象编号",), "code", True),
    C("id_number", ("身份证号", "身份证号码"), "id_number", True),
    C("name", ("姓名", "长者姓名", "老人姓名"), "person_name", True),
    C("sex", ("性别",), "enum", False, SEXES),
    C("birth_date", ("出生日期",), "date"),
    C("township", ("所属镇街", "镇（街道）", "镇街", "镇(街道)"), "text"),
    C("hardship", ("经济困难类型", "困难类型"), "enum", True, HARDSHIP),
    C("ability_level", ("能力等级", "失能等级"), "text", True),
    C("institution_id", ("服务机构", "机构编号"), "code", True),
    C("service_type", ("服务类型",), "enum", True, SERVICE_TYPES),
    C("enrolled_on", ("纳入日期", "签约日期"), "date", True),
    C("self_funded", ("社会化", "自费"), "bool"),
), key=("elder_id",))

STATUS_EVENTS = Ledger("status_events", "服务状态变更", "status_events", (
    C("elder_id", ("服务对象编号",), "code", True),
    C("event", ("变更类型",), "enum", True, EVENTS),
    C("event_date", ("变更日期",), "date", True),
    C("note", ("说明", "备注"), "text"),
))

BEDS = Ledger("beds", "家庭养老床位建设台账", "beds", (
    C("elder_id", ("服务对象编号",), "code", True),
    C("institution_id", ("服务机构", "机构编号"), "code", True),
    C("planned_completion", ("计划完成日期",), "date", True),
    C("started_on", ("实际开工日期", "开工日期"), "date"),
    C("completed_on", ("实际完成日期", "完成日期"), "date"),
    C("accepted_on", ("验收日期",), "date"),
    C("acceptance", ("验收结果",), "enum", False, {k: k for k in ACCEPTANCE}),
    C("accepted_amount_yuan", ("验收金额",), "money"),
    C("paid_amount_yuan", ("实际支付金额", "支付金额"), "money"),
    C("previously_renovated", ("已享受适老化改造", "是否已享受适老化改造"), "bool"),
), key=("elder_id",), sheet_hint="planned_completion")

BED_ITEMS = Ledger("bed_items", "床位改造明细", "bed_items", (
    C("elder_id", ("服务对象编号",), "code", True),
    C("category", ("类别", "改造类别"), "enum", True, BED_ITEM_CATEGORIES),
    C("item", ("项目名称", "产品名称"), "text", True),
    C("quantity", ("数量",), "int"),
    C("amount_yuan", ("金额",), "money", True),
    C("personalised", ("个性化", "是否个性化"), "bool"),
    C("in_info_system", ("已录入信息系统", "是否录入系统", "录入信息系统"), "bool"),
), sheet_hint="category")

VISITS = Ledger("visits", "上门服务记录", "visits", (
    C("visit_id", ("服务记录编号", "工单号"), "code", True),
    C("elder_id", ("服务对象编号",), "code", True),
    C("institution_id", ("服务机构", "机构编号"), "code", True),
    C("caregiver_id", ("护理员编号", "服务人员"), "code", True),
    C("service_item", ("服务项目",), "enum", True, SERVICE_ITEMS),
    C("checkin_at", ("签到时间",), "datetime", True),
    C("checkout_at", ("签退时间",), "datetime"),
    C("duration_min", ("服务时长",), "duration"),
), key=("visit_id",))

FUNDS = Ledger("funds", "资金台账", "funds", (
    C("date", ("日期", "发生日期"), "date", True),
    C("kind", ("类型", "资金类型"), "enum", True, FUND_KINDS),
    C("source", ("资金来源", "来源"), "enum", True, FUND_SOURCES),
    C("institution_id", ("拨付对象", "服务机构"), "code"),
    C("amount_yuan", ("金额",), "money", True),
    C("unit", ("单位", "金额单位"), "text"),
    C("document", ("文号",), "text"),
    C("purpose", ("用途",), "enum", False, FUND_PURPOSES),
))

SURVEY = Ledger("survey", "满意度调查", "survey", (
    C("questionnaire_id", ("问卷编号",), "code", True),
    C("institution_id", ("服务机构", "机构编号"), "code", True),
    C("surveyed_on", ("调查日期",), "date"),
    *(C(f"q{i}", (f"第{i}题", f"问题{i}", f"Q{i}", f"q{i}"), "enum", True, SURVEY_ANSWERS) for i in range(1, 7)),
    C("valid", ("有效", "是否有效"), "bool"),
), key=("questionnaire_id",))

LEDGERS: dict[str, Ledger] = {
    lg.name: lg for lg in (INSTITUTIONS, ELDERS, STATUS_EVENTS, BEDS, BED_ITEMS, VISITS, FUNDS, SURVEY)
}

_UNIT = re.compile(r"[（(]\s*(万元|元|分钟|小时)\s*[)）]$")
_NOISE = re.compile(r"[\s*＊:：]+")


def header_key(header: object) -> tuple[str, str | None]:
    """Normalise a header cell for alias matching; return (key, unit written in the header or None)."""
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
    "visits": [ForeignKey("elder_id", "elders", "elder_id"), ForeignKey("institution_id", "institutions", "institution_id")],
}
