"""The programme metrics of the 项目绩效目标申报表 and of evaluations, per region and per institution.

Plain pandas over the validated tables (checks/schemas.py columns). Every function returns metric rows with
numerator, denominator, unit and a one-line definition; a figure that cannot be computed (zero denominator,
missing baseline, no survey) is `computable=False` with `why_not`, never 0. Exact values; round only for display.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import pandas as pd

from eldercare.policy import load_defaults

METRIC_COLUMNS = ["region_code", "institution_id", "metric", "label", "numerator", "denominator", "value", "unit",
                  "definition", "computable", "why_not"]

# metric id -> (Chinese label, unit). Ids with a funds source suffix (received_yuan_central …) derive from these.
CATALOGUE: dict[str, tuple[str, str]] = {
    "eligible_registration_share": ("登记服务对象符合条件比例", "ratio"),
    "bed_coverage": ("家庭养老床位建设覆盖率", "ratio"),
    "home_service_coverage": ("居家养老上门服务覆盖率", "ratio"),
    "cost_per_bed": ("家庭养老床位建设户均成本", "元/床"),
    "beds_above_cap_share": ("超过补助上限的床位占比", "ratio"),
    "cost_per_recipient": ("居家养老上门服务人均成本", "元/人"),
    "allocated_yuan": ("下达资金", "元"),
    "received_yuan": ("到位资金", "元"),
    "paid_yuan": ("拨付资金", "元"),
    "spent_yuan": ("支出资金", "元"),
    "rubric_execution_rate": ("预算执行率（支出÷到位，评价指标口径）", "ratio"),
    "self_evaluation_execution_rate": ("执行率（全年执行数÷全年预算数，自评表口径）", "ratio"),
    "survey_issued": ("发放问卷数", "份"),
    "survey_returned": ("回收问卷数", "份"),
    "survey_valid": ("有效问卷数", "份"),
    "mean_score": ("问卷平均得分", "分"),
    "satisfaction_rate": ("服务对象满意度", "ratio"),
    "days_late_mean": ("床位建设平均延误天数", "days"),
    "days_late_max": ("床位建设最长延误天数", "days"),
    "late_bed_share": ("逾期完成床位占比", "ratio"),
    "beds_not_completed": ("未完成建设床位数", "床"),
    "beds_not_accepted": ("未验收床位数", "床"),
    "beds_failed_acceptance": ("验收不合格床位数", "床"),
    "acceptance_pass_rate": ("适老化改造验收合格率", "ratio"),
    "renovation_paid_yuan": ("床位实际支付金额", "元"),
    "renovation_accepted_yuan": ("床位验收金额", "元"),
    "renovation_overspend_yuan": ("支付超出验收金额（差额）", "元"),
    "beds_paid_above_accepted": ("支付超出验收金额的床位数", "床"),
    "information_system_share": ("全过程信息化管理程度", "ratio"),
    "personalisation_share": ("满足服务对象个性化服务需求程度", "ratio"),
    "double_renovation_beds": ("重复适老化改造床位数", "床"),
    "double_renovation_share": ("重复适老化改造床位占比", "ratio"),
    "double_renovation_paid_yuan": ("重复适老化改造床位支付金额", "元"),
}
SOURCE_IDS = {"中央": "central", "省级": "provincial", "市级": "municipal", "县级": "county", "其他": "other"}
FUND_KIND_LABELS = {"allocated": "下达", "received": "到位", "paid": "拨付", "spent": "支出"}
# Metrics whose value is a signed difference (may be negative); every other value is non-negative.
SIGNED_METRICS = frozenset({"renovation_overspend_yuan"})
HOME_SERVICE_TYPES = ("home_visits", "both")
QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6")
BASELINE_KEY = "disabled_low_income_elders"

_DEFAULT_POLICY: dict | None = None


def _default_policy() -> dict:
    global _DEFAULT_POLICY
    if _DEFAULT_POLICY is None:
        _DEFAULT_POLICY = load_defaults()
    return _DEFAULT_POLICY


@dataclass(frozen=True)
class RegionSettings:
    """What a metric needs from a region's region.yaml: baseline, targets, subsidy cap and the policy in force."""

    code: str
    baseline: Mapping[str, float] = field(default_factory=dict)
    targets: Mapping[str, float] = field(default_factory=dict)
    bed_subsidy_cap_yuan: float | None = None
    policy: Mapping = field(default_factory=dict)

    @classmethod
    def from_region(cls, region, policy: Mapping | None = None) -> "RegionSettings":
        """From an eldercare.region.Region and its policy (eldercare.policy.policy_for(region.settings))."""
        return cls(code=region.code, baseline=dict(region.baseline), targets=dict(region.targets),
                   bed_subsidy_cap_yuan=region.bed_subsidy_cap_yuan, policy=dict(policy or {}))

    @property
    def rules(self) -> Mapping:
        return self.policy or _default_policy()


Settings = Mapping[str, RegionSettings]


# ----------------------------------------------------------------------------------------------- row helpers

def _num(x) -> float | None:
    if x is None:
        return None
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        pass
    return float(x)


def _fmt(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _row(region: str, inst: str | None, metric: str, value, definition: str, numerator=None, denominator=None,
         why_not: str | None = None, label: str | None = None, unit: str | None = None) -> dict:
    base_label, base_unit = CATALOGUE.get(metric, (None, None))
    computable = why_not is None
    return {"region_code": region, "institution_id": inst, "metric": metric, "label": label or base_label,
            "numerator": _num(numerator), "denominator": _num(denominator),
            "value": _num(value) if computable else None, "unit": unit or base_unit, "definition": definition,
            "computable": computable, "why_not": None if computable else f"not computable: {why_not}"}


def _ratio(region, inst, metric, num, den, definition, zero_reason: str, *, missing: str | None = None,
           over_reason: str | None = None, label=None, unit=None) -> dict:
    """num ÷ den, or not computable: a missing input, a zero denominator, or (for a bounded rate) num > den."""
    num, den = _num(num), _num(den)
    why = None
    if missing:
        why = missing
    elif den is None or den == 0:
        why = zero_reason
    elif num is None:
        why = "numerator unknown"
    elif over_reason is not None and num > den:
        why = f"numerator {_fmt(num)} exceeds denominator {_fmt(den)}: {over_reason or 'a share cannot exceed 1'}"
    elif num < 0 or den < 0:
        why = f"negative total ({_fmt(num)} ÷ {_fmt(den)}): check the ledger"
    value = num / den if why is None else None
    return _row(region, inst, metric, value, definition, num, den, why, label, unit)


def _amount(region, inst, metric, value, definition, why_not=None, label=None, unit=None) -> dict:
    """A count or a money total; a negative total of a non-signed metric is reported as not computable."""
    value = _num(value)
    if why_not is None and value is not None and value < 0 and metric not in SIGNED_METRICS:
        why_not = f"the total is negative ({_fmt(value)}): check the ledger"
    return _row(region, inst, metric, value, definition, None, None, why_not, label, unit)


def _frame(df: pd.DataFrame | None, columns: Iterable[str]) -> pd.DataFrame:
    """The input with the given columns present (missing optional columns become empty)."""
    columns = list(columns)
    if df is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    out = df.copy()
    for c in columns:
        if c not in out.columns:
            out[c] = None
    return out


_TEXT_BOOL = {"true": True, "是": True, "1": True, "false": False, "否": False, "0": False}


def _bool(series: pd.Series) -> pd.Series:
    """True / False / <NA> from bools, 0/1 or 是/否 text, nulls kept unknown."""
    def one(v):
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return pd.NA
        if isinstance(v, str):
            return _TEXT_BOOL.get(v.strip().lower(), pd.NA)
        return bool(v)
    return series.map(one).astype("boolean")


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, errors="coerce")


def _regions(settings: Settings, *frames: pd.DataFrame) -> list[str]:
    codes = set(settings)
    for df in frames:
        if df is not None and "region_code" in df.columns:
            codes |= set(df["region_code"].dropna().astype(str))
    return sorted(codes)


def _institution_ids(region: str, institutions: pd.DataFrame | None, *frames: pd.DataFrame) -> list[str]:
    ids: set[str] = set()
    for df in (institutions, *frames):
        if df is not None and len(df) and "institution_id" in df.columns:
            ids |= set(df.loc[df["region_code"] == region, "institution_id"].dropna().astype(str))
    return sorted(ids)


def _settings_for(settings: Settings, region: str) -> RegionSettings:
    return settings.get(region) or RegionSettings(code=region)


def _per_scope(settings: Settings, institutions: pd.DataFrame | None, frames: dict[str, pd.DataFrame],
               compute: Callable[[str, str | None, RegionSettings, dict[str, pd.DataFrame]], list[dict]]) -> list[dict]:
    """Run `compute` for every region (institution None) and every institution of it, on the matching rows."""
    rows: list[dict] = []
    for region in _regions(settings, *frames.values()):
        sub = {k: df[df["region_code"] == region] for k, df in frames.items()}
        rs = _settings_for(settings, region)
        rows += compute(region, None, rs, sub)
        for inst in _institution_ids(region, institutions, *sub.values()):
            rows += compute(region, inst, rs, {k: df[df["institution_id"] == inst] for k, df in sub.items()})
    return rows


def _absent(region: str, inst: str | None, present: set[str], what: str, file: str) -> str | None:
    """why_not for a region-level count when the region has no rows of a ledger at all (a zero would mislead)."""
    if inst is None and region not in present:
        return f"no {what} for this region ({file} missing, refused or empty)"
    return None


def _metric_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    for c in ("numerator", "denominator", "value"):
        df[c] = df[c].astype(float)
    df["computable"] = df["computable"].astype(bool)
    return df


def _scope_text(inst: str | None) -> str:
    return "" if inst is None else f"institution {inst}: "


# ----------------------------------------------------------------------------------------------- eligibility

ELDER_COLUMNS = ["region_code", "elder_id", "institution_id", "birth_date", "hardship", "ability_level",
                 "ability_legacy", "service_type", "enrolled_on", "self_funded"]
ELIGIBILITY_DETAIL_COLUMNS = ["region_code", "institution_id", "elder_id", "service_type", "status", "reason"]


def _age_at(birth: pd.Timestamp, on: pd.Timestamp) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def eligibility(elders: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Each elder with `status` eligible / ineligible / undetermined and the reason, under the region's policy.

    Rules (policy `eligibility`): age ≥ min_age_at_enrolment on 纳入日期, hardship in the configured set, ability
    level mapped to 部分失能/失能. A legacy-scale level or an unknown birth date is undetermined, never guessed.
    """
    df = _frame(elders, ELDER_COLUMNS)
    birth, enrolled = _dates(df["birth_date"]), _dates(df["enrolled_on"])
    legacy = _bool(df["ability_legacy"]).fillna(False)
    status, reasons = [], []
    for i, rec in enumerate(df.itertuples(index=False)):
        rules = _settings_for(settings, rec.region_code).rules.get("eligibility", {})
        min_age = rules.get("min_age_at_enrolment", 60)
        hardship_ok = set(rules.get("hardship", []))
        levels = {lvl for group in (rules.get("ability_levels") or {}).values() for lvl in group}
        bad, unknown = [], []
        b, e = birth.iloc[i], enrolled.iloc[i]
        if pd.isna(b) or pd.isna(e):
            unknown.append("birth date or 纳入日期 unknown: age at enrolment cannot be checked")
        elif (age := _age_at(b, e)) < min_age:
            bad.append(f"aged {age} at enrolment (< {min_age})")
        if rec.hardship not in hardship_ok:
            bad.append(f"经济困难类型 '{rec.hardship}' not in {sorted(hardship_ok)}")
        if bool(legacy.iloc[i]):
            unknown.append(f"能力等级 '{rec.ability_level}' is on the legacy scale: reassess under GB/T 42195-2022")
        elif rec.ability_level not in levels:
            bad.append(f"能力等级 '{rec.ability_level}' is not 失能 or 部分失能")
        status.append("ineligible" if bad else "undetermined" if unknown else "eligible")
        reasons.append("; ".join(bad + unknown) or None)
    out = df.copy()
    out["status"] = status
    out["reason"] = reasons
    out["self_funded"] = _bool(df["self_funded"]).fillna(False).astype(bool)
    return out


def _eligibility_text(rs: RegionSettings) -> str:
    rules = rs.rules.get("eligibility", {})
    levels = [lvl for group in (rules.get("ability_levels") or {}).values() for lvl in group]
    return (f"age ≥{rules.get('min_age_at_enrolment', 60)} at 纳入日期, hardship in {'/'.join(rules.get('hardship', []))},"
            f" ability {'/'.join(levels)}")


# ----------------------------------------------------------------------------------------------- 1 coverage

BED_COLUMNS = ["region_code", "elder_id", "institution_id", "planned_completion", "started_on", "completed_on",
               "accepted_on", "acceptance", "accepted_amount_yuan", "paid_amount_yuan", "previously_renovated"]
VISIT_COUNT_COLUMNS = ["region_code", "elder_id", "visits"]


def _baseline(rs: RegionSettings) -> tuple[float | None, str | None]:
    value = (rs.baseline or {}).get(BASELINE_KEY)
    if value is None:
        return None, f"baseline.{BASELINE_KEY} missing in region.yaml"
    if value == 0:
        return 0.0, f"baseline.{BASELINE_KEY} is 0 in region.yaml (not filled in)"
    return float(value), None


def _served(elders_status: pd.DataFrame, visit_counts: pd.DataFrame | None) -> pd.DataFrame:
    """Elders registered for home visits (not self-funded) with at least one checked-out visit."""
    vc = _frame(visit_counts, VISIT_COUNT_COLUMNS)
    visited = vc[pd.to_numeric(vc["visits"], errors="coerce").fillna(0) > 0][["region_code", "elder_id"]]
    registered = elders_status[elders_status["service_type"].isin(HOME_SERVICE_TYPES) & ~elders_status["self_funded"]]
    return registered.merge(visited.drop_duplicates(), on=["region_code", "elder_id"], how="inner")


def coverage(elders: pd.DataFrame, beds: pd.DataFrame, visit_counts: pd.DataFrame | None,
             institutions: pd.DataFrame | None, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bed and home-service coverage of the eligible elders (baseline) and the share of eligible registrations.

    visit_counts: (region_code, elder_id, visits) counting checked-out visits. Detail: every registration that
    does not meet the eligibility rules (ineligible or undetermined), a finding.
    """
    status = eligibility(elders, settings)
    bed = _frame(beds, BED_COLUMNS)
    bed = bed.merge(status[["region_code", "elder_id", "status", "self_funded"]], on=["region_code", "elder_id"],
                    how="left")
    bed["status"] = bed["status"].fillna("undetermined")
    bed["self_funded"] = bed["self_funded"].astype("boolean").fillna(False).astype(bool)
    bed["built"] = _dates(bed["completed_on"]).notna()
    served = _served(status, visit_counts)

    def compute(region, inst, rs, f):
        st, bd, sv = f["status"], f["beds"], f["served"]
        rows = []
        scope = _scope_text(inst)
        programme = st[~st["self_funded"]]
        n_eligible = int((programme["status"] == "eligible").sum())
        n_undet = int((programme["status"] == "undetermined").sum())
        rows.append(_ratio(
            region, inst, "eligible_registration_share", n_eligible, len(programme),
            f"{scope}registered elders meeting the rules ({_eligibility_text(rs)}) ÷ registered elders; excluded "
            f"{int(st['self_funded'].sum())} self-funded (社会化); {n_undet} undetermined counted as not meeting",
            "no registered elders (not self-funded) in the ledger"))
        base, missing = _baseline(rs)
        contribution = "" if inst is None else " (this institution's contribution to the region's coverage)"
        built = bd[bd["built"]]
        ok = built[(built["status"] == "eligible") & ~built["self_funded"]]
        rows.append(_ratio(
            region, inst, "bed_coverage", len(ok), base,
            f"{scope}beds with 实际完成日期 for eligible, non-self-funded elders ÷ baseline.{BASELINE_KEY}{contribution};"
            f" excluded {len(built) - len(ok)} built beds of ineligible/undetermined/self-funded elders and "
            f"{len(bd) - len(built)} beds not completed",
            f"baseline.{BASELINE_KEY} is 0", missing=missing,
            over_reason=f"more beds than baseline.{BASELINE_KEY}: check the baseline"))
        sv_ok = sv[sv["status"] == "eligible"]
        rows.append(_ratio(
            region, inst, "home_service_coverage", len(sv_ok), base,
            f"{scope}eligible elders registered for home visits with ≥1 checked-out visit ÷ baseline.{BASELINE_KEY}"
            f"{contribution}; excluded {len(sv) - len(sv_ok)} served elders who are ineligible/undetermined, "
            "self-funded elders and bed-only elders",
            f"baseline.{BASELINE_KEY} is 0", missing=missing,
            over_reason=f"more elders served than baseline.{BASELINE_KEY}: check the baseline"))
        return rows

    rows = _per_scope(settings, institutions, {"status": status, "beds": bed, "served": served}, compute)
    findings = status[(status["status"] != "eligible") & ~status["self_funded"]]
    detail = findings[ELIGIBILITY_DETAIL_COLUMNS].sort_values(["region_code", "institution_id", "elder_id"])
    return _metric_frame(rows), detail.reset_index(drop=True)


# ----------------------------------------------------------------------------------------------- 2 cost

CAP_DETAIL_COLUMNS = ["region_code", "institution_id", "elder_id", "completed_on", "paid_amount_yuan", "cap_yuan",
                      "excess_yuan"]
FUND_COLUMNS = ["region_code", "date", "kind", "source", "institution_id", "amount_yuan", "document", "purpose"]


def _priced_beds(beds: pd.DataFrame) -> pd.DataFrame:
    """Built beds (实际完成日期 set) with a paid amount: the rows cost per bed counts."""
    bd = _frame(beds, BED_COLUMNS)
    bd["paid_amount_yuan"] = pd.to_numeric(bd["paid_amount_yuan"], errors="coerce")
    bd["built"] = _dates(bd["completed_on"]).notna()
    bd["priced"] = bd["built"] & bd["paid_amount_yuan"].notna()
    return bd


def cost_per_bed(beds: pd.DataFrame, institutions: pd.DataFrame | None,
                 settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """户均成本: paid amount of built beds ÷ built beds with a paid amount, and the beds above the region's cap."""
    bd = _priced_beds(beds)

    def compute(region, inst, rs, f):
        b = f["beds"]
        priced = b[b["priced"]]
        scope = _scope_text(inst)
        cap = rs.bed_subsidy_cap_yuan
        cap_text = f"cap {_fmt(cap)} 元/床" if cap is not None else "no cap in region.yaml"
        rows = [_ratio(
            region, inst, "cost_per_bed", priced["paid_amount_yuan"].sum(), len(priced),
            f"{scope}sum of 实际支付金额 of built beds ÷ built beds with a paid amount ({cap_text}); excluded "
            f"{int((b['built'] & ~b['priced']).sum())} built beds without 实际支付金额, {int((~b['built']).sum())} not built",
            "no built bed has a 实际支付金额")]
        above = int((priced["paid_amount_yuan"] > cap).sum()) if cap is not None else None
        rows.append(_ratio(
            region, inst, "beds_above_cap_share", above, len(priced),
            f"{scope}built beds whose 实际支付金额 exceeds the cap ({cap_text}) ÷ built beds with a paid amount",
            "no built bed has a 实际支付金额",
            missing="bed_subsidy_cap_yuan missing in region.yaml" if cap is None else None, over_reason=""))
        return rows

    rows = _per_scope(settings, institutions, {"beds": bd}, compute)
    parts = []
    for region in _regions(settings, bd):
        cap = _settings_for(settings, region).bed_subsidy_cap_yuan
        if cap is None:
            continue
        over = bd[(bd["region_code"] == region) & bd["priced"] & (bd["paid_amount_yuan"] > cap)].copy()
        over["cap_yuan"] = float(cap)
        over["excess_yuan"] = over["paid_amount_yuan"] - float(cap)
        parts.append(over)
    detail = (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CAP_DETAIL_COLUMNS))
    detail = detail[CAP_DETAIL_COLUMNS].sort_values(["region_code", "institution_id", "elder_id"])
    return _metric_frame(rows), detail.reset_index(drop=True)


def _funds(funds: pd.DataFrame | None) -> pd.DataFrame:
    fd = _frame(funds, FUND_COLUMNS)
    fd["amount_yuan"] = pd.to_numeric(fd["amount_yuan"], errors="coerce").fillna(0.0)
    return fd


def cost_per_recipient(funds: pd.DataFrame, elders: pd.DataFrame, visit_counts: pd.DataFrame | None,
                       institutions: pd.DataFrame | None, settings: Settings) -> pd.DataFrame:
    """人均成本: funds paid (拨付) for home visits ÷ elders served (registered for visits, ≥1 checked-out visit)."""
    fd = _funds(funds)
    pay = fd[(fd["kind"] == "paid") & (fd["purpose"] == "home_visits")]
    status = eligibility(elders, settings)
    served = _served(status, visit_counts)

    def compute(region, inst, rs, f):
        p, s = f["pay"], f["served"]
        scope = _scope_text(inst)
        who = "to this institution " if inst else ""
        return [_ratio(
            region, inst, "cost_per_recipient", p["amount_yuan"].sum(), len(s),
            f"{scope}拨付 (paid) amounts {who}with 用途 上门服务 ÷ elders registered for home visits (not self-funded) "
            f"with ≥1 checked-out visit, eligible or not; excluded 下达/到位/支出 rows and other 用途",
            "no elder registered for home visits has a checked-out visit",
            missing=f"no 拨付 (paid) rows {who}with 用途 上门服务 in the funds ledger" if len(p) == 0 else None)]

    return _metric_frame(_per_scope(settings, institutions, {"pay": pay, "served": served}, compute))


# ----------------------------------------------------------------------------------------------- 3 budget

BUDGET_DETAIL_COLUMNS = ["region_code", "source", "institution_id", "allocated_yuan", "received_yuan", "paid_yuan",
                         "spent_yuan", "rows"]


def _kind_totals(fd: pd.DataFrame) -> dict[str, float]:
    return {k: float(fd.loc[fd["kind"] == k, "amount_yuan"].sum()) for k in FUND_KIND_LABELS}


def _fund_amount_rows(region, inst, totals, kinds, suffix="", label_suffix="", scope="", why_not=None) -> list[dict]:
    rows = []
    for kind in kinds:
        metric = f"{kind}_yuan"
        rows.append(_amount(region, inst, metric + suffix, totals[kind],
                            f"{scope}sum of {FUND_KIND_LABELS[kind]} ({kind}) rows of the funds ledger, 元",
                            why_not=why_not, label=CATALOGUE[metric][0] + label_suffix, unit="元"))
    return rows


def budget_execution(funds: pd.DataFrame, institutions: pd.DataFrame | None,
                     settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Funds 下达/到位/拨付/支出 by region, source and institution, and both execution rates, named by their document.

    rubric_execution_rate = spent ÷ received (Zhoucun rubric's 预算执行率); self_evaluation_execution_rate =
    全年执行数 (spent) ÷ 全年预算数 (allocated total; targets.budget_wan × 10000 when nothing is allocated).
    Per institution: spent ÷ paid to it, and spent ÷ its 合同金额.
    """
    fd = _funds(funds)
    inst_df = _frame(institutions, ["region_code", "institution_id", "contract_amount_yuan"])
    rows: list[dict] = []
    for region in _regions(settings, fd):
        rs = _settings_for(settings, region)
        f = fd[fd["region_code"] == region]
        t = _kind_totals(f)
        absent = None if len(f) else "no funds rows for this region (funds.xlsx missing, refused or empty)"
        rows += _fund_amount_rows(region, None, t, FUND_KIND_LABELS, why_not=absent)
        rows.append(_ratio(region, None, "rubric_execution_rate", t["spent"], t["received"],
                           "支出 (spent) total ÷ 到位 (received) total: the rubric's 预算执行率 (score = rate × 3)",
                           "no 到位 (received) rows in the funds ledger", missing=absent,
                           over_reason="more spent than received: check the funds ledger"))
        budget_wan = (rs.targets or {}).get("budget_wan")
        if absent:
            budget, note, missing = 0.0, "", absent
        elif t["allocated"] > 0:
            budget, note, missing = t["allocated"], "下达 (allocated) total", None
        elif budget_wan:
            budget, note, missing = budget_wan * 10000, "targets.budget_wan × 10000 (no 下达 rows in the ledger)", None
        else:
            budget, note, missing = 0.0, "", "no 下达 (allocated) rows in the funds ledger and targets.budget_wan missing"
        rows.append(_ratio(region, None, "self_evaluation_execution_rate", t["spent"], budget,
                           f"全年执行数 = 支出 (spent) total ÷ 全年预算数 = {note or 'unknown'} (自评表 执行率 B/A)",
                           "全年预算数 is 0", missing=missing,
                           over_reason="more spent than budgeted: check the funds ledger"))
        for source, sid in SOURCE_IDS.items():
            fs = f[f["source"] == source]
            if fs.empty:
                continue
            ts = _kind_totals(fs)
            rows += _fund_amount_rows(region, None, ts, FUND_KIND_LABELS, f"_{sid}", f"（{source}）",
                                      f"资金来源 {source}: ")
            rows.append(_ratio(region, None, f"rubric_execution_rate_{sid}", ts["spent"], ts["received"],
                               f"资金来源 {source}: 支出 ÷ 到位 (rubric's 预算执行率 for this source)",
                               f"no 到位 (received) rows from {source}",
                               over_reason="more spent than received from this source",
                               label=f"预算执行率（{source}，支出÷到位）", unit="ratio"))
            rows.append(_ratio(region, None, f"self_evaluation_execution_rate_{sid}", ts["spent"], ts["allocated"],
                               f"资金来源 {source}: 支出 ÷ 下达 (自评表 执行率 for this source)",
                               f"no 下达 (allocated) rows from {source}",
                               over_reason="more spent than allocated from this source",
                               label=f"执行率（{source}，全年执行数÷全年预算数）", unit="ratio"))
        for inst in _institution_ids(region, institutions, f):
            fi = f[f["institution_id"] == inst]
            ti = _kind_totals(fi)
            scope = _scope_text(inst)
            rows += _fund_amount_rows(region, inst, ti, ("paid", "spent"), scope=scope, why_not=absent)
            rows.append(_ratio(region, inst, "rubric_execution_rate", ti["spent"], ti["paid"],
                               f"{scope}支出 by the institution ÷ 拨付 (paid) to it (its receipts)",
                               "nothing 拨付 (paid) to this institution", missing=absent,
                               over_reason="the institution spent more than it was paid",
                               label="预算执行率（机构：支出÷拨付到位）"))
            contract = inst_df.loc[(inst_df["region_code"] == region) & (inst_df["institution_id"] == inst),
                                   "contract_amount_yuan"]
            contract_amount = _num(contract.iloc[0]) if len(contract) else None
            rows.append(_ratio(region, inst, "self_evaluation_execution_rate", ti["spent"], contract_amount,
                               f"{scope}支出 by the institution ÷ its 合同金额 (the institution's 全年预算数)",
                               "合同金额 is 0",
                               missing=absent or ("合同金额 missing in the institutions ledger"
                                                   if contract_amount is None else None),
                               over_reason="the institution spent more than its contract amount",
                               label="执行率（机构：支出÷合同金额）"))
    return _metric_frame(rows), _budget_detail(fd)


def _budget_detail(fd: pd.DataFrame) -> pd.DataFrame:
    """Funds totals per region, source and institution (empty institution = rows without 拨付对象)."""
    if fd.empty:
        return pd.DataFrame(columns=BUDGET_DETAIL_COLUMNS)
    keyed = fd.assign(institution_id=fd["institution_id"].fillna(""))
    keys = ["region_code", "source", "institution_id"]
    sums = keyed.groupby(keys + ["kind"])["amount_yuan"].sum().unstack("kind", fill_value=0.0)
    sums = sums.reindex(columns=list(FUND_KIND_LABELS), fill_value=0.0)
    sums.columns = [f"{k}_yuan" for k in sums.columns]
    out = sums.join(keyed.groupby(keys).size().rename("rows")).reset_index()
    out["institution_id"] = out["institution_id"].map(lambda v: v or None)
    out["rows"] = out["rows"].astype(int)
    return out[BUDGET_DETAIL_COLUMNS]


# ----------------------------------------------------------------------------------------------- 4 satisfaction

SURVEY_COLUMNS = ["region_code", "questionnaire_id", "institution_id", "surveyed_on", *QUESTIONS, "valid"]
SATISFACTION_DETAIL_COLUMNS = ["region_code", "institution_id", "question", "valid", "answers_a", "answers_b",
                               "answers_c", "answers_d", "answers_e", "mean_points", "max_points"]


def question_weights(policy: Mapping) -> dict[str, dict[str, float]]:
    """Points per answer letter for q1…q6 from the policy's survey weights (`qN` overrides `default`)."""
    weights = (policy.get("survey") or {}).get("weights") or {}
    return {q: {k: float(v) for k, v in (weights.get(q) or weights.get("default") or {}).items()} for q in QUESTIONS}


def max_score(policy: Mapping) -> float:
    """The policy's max_score, else the sum of each question's best answer."""
    configured = (policy.get("survey") or {}).get("max_score")
    if configured:
        return float(configured)
    return sum(max(w.values(), default=0.0) for w in question_weights(policy).values())


def questionnaire_scores(survey: pd.DataFrame, policy: Mapping) -> pd.Series:
    """The exact total score of each questionnaire (sum of the weighted answers of q1…q6)."""
    weights = question_weights(policy)
    total = pd.Series(0.0, index=survey.index)
    for q in QUESTIONS:
        total = total + survey[q].map(weights[q]).astype(float)
    return total


def satisfaction(survey: pd.DataFrame | None, institutions: pd.DataFrame | None,
                 settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Issued, returned, valid, mean score and satisfaction (mean ÷ max) per institution and overall.

    The ledger holds the questionnaires handed back, so issued = returned = rows; valid = 有效 rows. Detail: the
    answer tallies and exact mean points of each question, for comparison with an evaluator's table.
    """
    sv = _frame(survey, SURVEY_COLUMNS)
    sv["valid"] = _bool(sv["valid"]).fillna(True).astype(bool)
    scores = []
    for region, part in sv.groupby("region_code"):
        scores.append(questionnaire_scores(part, _settings_for(settings, region).rules))
    sv["score"] = pd.concat(scores) if scores else pd.Series(dtype=float)
    has_survey = set(sv["region_code"].dropna())
    detail_rows: list[dict] = []

    def compute(region, inst, rs, f):
        s = f["survey"]
        scope = _scope_text(inst)
        valid = s[s["valid"]]
        top = max_score(rs.rules)
        none = (None if region in has_survey
                else "no questionnaires for this region (survey.xlsx missing, refused or empty)")
        rows = [
            _amount(region, inst, "survey_issued", len(s), f"{scope}questionnaires in the survey ledger "
                    "(issued = returned: only handed-back questionnaires are recorded)", why_not=none),
            _amount(region, inst, "survey_returned", len(s), f"{scope}questionnaires present in the survey ledger",
                    why_not=none),
            _amount(region, inst, "survey_valid", len(valid),
                    f"{scope}questionnaires marked 有效 (blank counts as valid)", why_not=none),
        ]
        no_valid = none or "no valid questionnaires"
        mean = valid["score"].sum() / len(valid) if len(valid) else None
        rows.append(_ratio(region, inst, "mean_score", valid["score"].sum(), len(valid),
                           f"{scope}sum of the weighted scores of valid questionnaires ÷ valid questionnaires "
                           f"(weights from policy survey.weights); invalid ones excluded",
                           no_valid, missing=none))
        rows.append(_ratio(region, inst, "satisfaction_rate", mean, top,
                           f"{scope}mean score of valid questionnaires ÷ max score {_fmt(top)}, computed exactly, "
                           "rounded only for display", no_valid,
                           missing=none or (no_valid if not len(valid) else None),
                           over_reason="mean score above the maximum: check survey.weights / max_score"))
        if len(valid):
            weights = question_weights(rs.rules)
            for q in QUESTIONS:
                counts = valid[q].value_counts()
                detail_rows.append({
                    "region_code": region, "institution_id": inst, "question": q, "valid": len(valid),
                    **{f"answers_{k.lower()}": int(counts.get(k, 0)) for k in "ABCDE"},
                    "mean_points": float(valid[q].map(weights[q]).astype(float).sum() / len(valid)),
                    "max_points": max(weights[q].values(), default=0.0)})
        return rows

    rows = _per_scope(settings, institutions, {"survey": sv}, compute)
    return _metric_frame(rows), pd.DataFrame(detail_rows, columns=SATISFACTION_DETAIL_COLUMNS)


# ----------------------------------------------------------------------------------------------- 5 timeliness

TIMELINESS_DETAIL_COLUMNS = ["region_code", "institution_id", "elder_id", "planned_completion", "completed_on",
                             "days_late", "acceptance", "accepted_on", "findings"]


def bed_timeliness(beds: pd.DataFrame, institutions: pd.DataFrame | None,
                   settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Days late (实际完成日期 − 计划完成日期, early counts 0) per bed, institution and region; acceptance status.

    Detail: every bed that is late, not completed, not yet accepted or failed acceptance.
    """
    bd = _frame(beds, BED_COLUMNS)
    planned, done = _dates(bd["planned_completion"]), _dates(bd["completed_on"])
    bd["done"] = done.notna()
    bd["days_late"] = (done - planned).dt.days.clip(lower=0).astype(float)
    bd["late"] = bd["days_late"].fillna(0) > 0
    present = set(bd["region_code"].dropna())

    def compute(region, inst, rs, f):
        b = f["beds"]
        scope = _scope_text(inst)
        absent = _absent(region, inst, present, "beds", "beds.xlsx")
        built = b[b["done"]]
        judged = b[b["acceptance"].isin(["合格", "不合格"])]
        none_built = "no bed has a 实际完成日期"
        return [
            _ratio(region, inst, "days_late_mean", built["days_late"].sum(), len(built),
                   f"{scope}sum of days late (实际完成日期 − 计划完成日期, early = 0) ÷ beds with 实际完成日期; excluded "
                   f"{len(b) - len(built)} beds not completed", none_built),
            _amount(region, inst, "days_late_max", built["days_late"].max() if len(built) else None,
                    f"{scope}the largest days late of a completed bed (the project's delay)",
                    why_not=None if len(built) else none_built),
            _ratio(region, inst, "late_bed_share", int(built["late"].sum()), len(built),
                   f"{scope}beds completed after 计划完成日期 ÷ beds with 实际完成日期", none_built, over_reason=""),
            _amount(region, inst, "beds_not_completed", int((~b["done"]).sum()),
                    f"{scope}beds in the ledger without 实际完成日期", absent),
            _amount(region, inst, "beds_not_accepted", len(b) - len(judged),
                    f"{scope}beds without a 验收结果 (completed or not)", absent),
            _amount(region, inst, "beds_failed_acceptance", int((b["acceptance"] == "不合格").sum()),
                    f"{scope}beds with 验收结果 不合格", absent),
            _ratio(region, inst, "acceptance_pass_rate", int((judged["acceptance"] == "合格").sum()), len(judged),
                   f"{scope}beds 验收 合格 ÷ beds with a 验收结果; excluded {len(b) - len(judged)} not yet accepted",
                   "no bed has a 验收结果", over_reason=""),
        ]

    rows = _per_scope(settings, institutions, {"beds": bd}, compute)
    findings = []
    for rec in bd.itertuples(index=False):
        found = []
        if rec.late:
            found.append(f"late by {int(rec.days_late)} days")
        if not rec.done:
            found.append("not completed")
        if rec.acceptance not in ("合格", "不合格"):
            found.append("not accepted")
        elif rec.acceptance == "不合格":
            found.append("failed acceptance")
        findings.append("; ".join(found) or None)
    bd["findings"] = findings
    detail = bd[bd["findings"].notna()][TIMELINESS_DETAIL_COLUMNS]
    return _metric_frame(rows), detail.sort_values(["region_code", "institution_id", "elder_id"]).reset_index(drop=True)


# ----------------------------------------------------------------------------------------------- 6 overspend

OVERSPEND_DETAIL_COLUMNS = ["region_code", "institution_id", "elder_id", "paid_amount_yuan", "accepted_amount_yuan",
                            "difference_yuan", "finding"]


def renovation_overspend(beds: pd.DataFrame, institutions: pd.DataFrame | None,
                         settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per institution and region: 实际支付金额 vs 验收金额 of beds that have both, and the difference (paid − accepted).

    Detail: beds paid above their accepted amount, and beds paid without an accepted amount.
    """
    bd = _frame(beds, BED_COLUMNS)
    bd["paid"] = pd.to_numeric(bd["paid_amount_yuan"], errors="coerce")
    bd["accepted"] = pd.to_numeric(bd["accepted_amount_yuan"], errors="coerce")
    bd["both"] = bd["paid"].notna() & bd["accepted"].notna()

    def compute(region, inst, rs, f):
        b = f["beds"]
        both = b[b["both"]]
        scope = _scope_text(inst)
        why = None if len(both) else "no bed has both 实际支付金额 and 验收金额"
        excluded = f"excluded {len(b) - len(both)} beds missing 实际支付金额 or 验收金额"
        paid, accepted = float(both["paid"].sum()), float(both["accepted"].sum())
        return [
            _amount(region, inst, "renovation_paid_yuan", paid,
                    f"{scope}sum of 实际支付金额 of beds that have both amounts; {excluded}", why),
            _amount(region, inst, "renovation_accepted_yuan", accepted,
                    f"{scope}sum of 验收金额 of beds that have both amounts; {excluded}", why),
            _amount(region, inst, "renovation_overspend_yuan", paid - accepted,
                    f"{scope}实际支付金额 − 验收金额 over beds that have both (positive = paid above accepted)", why),
            _amount(region, inst, "beds_paid_above_accepted", int((both["paid"] > both["accepted"]).sum()),
                    f"{scope}beds whose 实际支付金额 exceeds their 验收金额", why),
        ]

    rows = _per_scope(settings, institutions, {"beds": bd}, compute)
    over = bd[(bd["both"] & (bd["paid"] > bd["accepted"])) | (bd["paid"].notna() & bd["accepted"].isna())].copy()
    over["paid_amount_yuan"] = over["paid"]
    over["accepted_amount_yuan"] = over["accepted"]
    over["difference_yuan"] = over["paid"] - over["accepted"]
    over["finding"] = ["paid above 验收金额" if b else "paid without 验收金额" for b in over["both"]]
    detail = over[OVERSPEND_DETAIL_COLUMNS].sort_values(["region_code", "institution_id", "elder_id"])
    return _metric_frame(rows), detail.reset_index(drop=True)


# ----------------------------------------------------------------------------------------------- 7 item shares

ITEM_COLUMNS = ["region_code", "elder_id", "category", "item", "quantity", "amount_yuan", "personalised",
                "in_info_system"]


def _item_share(metric: str, flag: str, header: str, meaning: str, bed_items: pd.DataFrame, beds: pd.DataFrame,
                institutions: pd.DataFrame | None, settings: Settings) -> pd.DataFrame:
    items = _frame(bed_items, ITEM_COLUMNS)
    owners = _frame(beds, BED_COLUMNS)[["region_code", "elder_id", "institution_id"]].drop_duplicates(
        ["region_code", "elder_id"])
    items = items.drop(columns=["institution_id"], errors="ignore").merge(owners, on=["region_code", "elder_id"],
                                                                         how="left")
    items["flag"] = _bool(items[flag])

    def compute(region, inst, rs, f):
        it = f["items"]
        scope = _scope_text(inst)
        known = it[it["flag"].notna()]
        if it.empty:
            why = "no bed items in the ledger"
        elif known.empty:
            why = f"no bed item states {header}"
        else:
            why = None
        return [_ratio(region, inst, metric, int(known["flag"].astype(bool).sum()), len(known),
                       f"{scope}bed items (rows of 床位改造明细) {meaning} ÷ bed items with {header} filled; excluded "
                       f"{len(it) - len(known)} items with {header} empty (indicator of seed 000)",
                       why or "", missing=why, over_reason="")]

    return _metric_frame(_per_scope(settings, institutions, {"items": items}, compute))


def information_system_share(bed_items: pd.DataFrame, beds: pd.DataFrame, institutions: pd.DataFrame | None,
                             settings: Settings) -> pd.DataFrame:
    """Indicator 8 (全过程信息化管理程度): bed items recorded in the information system ÷ all items chosen."""
    return _item_share("information_system_share", "in_info_system", "已录入信息系统",
                       "recorded in the information system (已录入信息系统=是)", bed_items, beds, institutions, settings)


def personalisation_share(bed_items: pd.DataFrame, beds: pd.DataFrame, institutions: pd.DataFrame | None,
                          settings: Settings) -> pd.DataFrame:
    """Indicator 9 (个性化服务需求满足程度): personalised bed items ÷ all items chosen."""
    return _item_share("personalisation_share", "personalised", "是否个性化", "marked personalised (个性化=是)",
                       bed_items, beds, institutions, settings)


# ----------------------------------------------------------------------------------------------- 8 double renovation

DOUBLE_DETAIL_COLUMNS = ["region_code", "institution_id", "elder_id", "completed_on", "acceptance",
                         "paid_amount_yuan"]


def double_renovation(beds: pd.DataFrame, institutions: pd.DataFrame | None,
                      settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Beds for homes already renovated under the earlier 适老化改造 programme (已享受适老化改造), a finding.

    Detail: those beds with what was paid for them.
    """
    bd = _frame(beds, BED_COLUMNS)
    bd["flag"] = _bool(bd["previously_renovated"]).fillna(False).astype(bool)
    bd["paid"] = pd.to_numeric(bd["paid_amount_yuan"], errors="coerce")
    present = set(bd["region_code"].dropna())

    def compute(region, inst, rs, f):
        b = f["beds"]
        dup = b[b["flag"]]
        scope = _scope_text(inst)
        absent = _absent(region, inst, present, "beds", "beds.xlsx")
        return [
            _amount(region, inst, "double_renovation_beds", len(dup),
                    f"{scope}beds in the ledger marked 已享受适老化改造 (built or not)", absent),
            _ratio(region, inst, "double_renovation_share", len(dup), len(b),
                   f"{scope}beds marked 已享受适老化改造 ÷ all beds in the ledger", "no beds in the ledger",
                   over_reason=""),
            _amount(region, inst, "double_renovation_paid_yuan", float(dup["paid"].sum()),
                    f"{scope}sum of 实际支付金额 of beds marked 已享受适老化改造 (empty amounts count 0)", absent),
        ]

    rows = _per_scope(settings, institutions, {"beds": bd}, compute)
    detail = bd[bd["flag"]][DOUBLE_DETAIL_COLUMNS].sort_values(["region_code", "institution_id", "elder_id"])
    return _metric_frame(rows), detail.reset_index(drop=True)
