"""Scenario files: make the simulated systems reproduce a published report (format: scenarios/FORMAT.md).

`load_scenario` parses and validates; `Figures.resolve` fills what the file leaves out with
plausible values consistent with what it gives, and rejects contradictions naming the keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import yaml

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"


class ScenarioError(ValueError):
    """A scenario that is incomplete or contradicts itself; the message names the keys."""


@dataclass(frozen=True)
class Figures:
    """II.06a figures for one handling level (district one-stop unit, or the sum over its wards)."""

    carried_over: int | None = None
    received: int | None = None
    online: int | None = None
    postal: int | None = None
    resolved_total: int | None = None
    early_or_on_time: int | None = None
    early: int | None = None
    on_time: int | None = None
    late: int | None = None
    within_deadline: int | None = None
    overdue: int | None = None
    postal_requested: int | None = None
    postal_delivered: int | None = None
    apologies: int | None = None
    ratings_total: int | None = None
    ratings_satisfied: int | None = None
    received_total: int | None = None  # carried_over + received
    results_online: int | None = None  # resolved with the result returned online through the portal

    @classmethod
    def parse(cls, raw: dict, where: str) -> Figures:
        known = {"carried_over", "received", "received_total", "online", "postal", "resolved", "in_progress",
                 "postal_return", "results_online", "apologies", "ratings"}
        unknown = set(raw) - known
        if unknown:
            raise ScenarioError(f"{where}: unknown key(s) {sorted(unknown)}")
        resolved, progress = raw.get("resolved") or {}, raw.get("in_progress") or {}
        postal_return, ratings = raw.get("postal_return") or {}, raw.get("ratings") or {}
        return cls(
            carried_over=raw.get("carried_over"), received=raw.get("received"), online=raw.get("online"),
            postal=raw.get("postal"), resolved_total=resolved.get("total"),
            early_or_on_time=resolved.get("early_or_on_time"), early=resolved.get("early"),
            on_time=resolved.get("on_time"), late=resolved.get("late"),
            within_deadline=progress.get("within_deadline"), overdue=progress.get("overdue"),
            postal_requested=postal_return.get("requested"), postal_delivered=postal_return.get("delivered"),
            apologies=raw.get("apologies"), ratings_total=ratings.get("total"),
            ratings_satisfied=ratings.get("satisfied"), received_total=raw.get("received_total"),
            results_online=raw.get("results_online"),
        )

    def resolve(self, where: str, online_share: float) -> Figures:
        """Every figure filled; raises ScenarioError naming the keys that contradict each other."""
        f = self

        def fail(keys: str, detail: str):
            raise ScenarioError(f"{where}: {keys} contradict each other: {detail}")

        for name, value in vars(f).items():
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ScenarioError(f"{where}: {name} must be a non-negative integer, got {value!r}")
        if f.early is not None and f.on_time is not None:
            if f.early_or_on_time is not None and f.early + f.on_time != f.early_or_on_time:
                fail("resolved.early + resolved.on_time, resolved.early_or_on_time",
                     f"{f.early} + {f.on_time} != {f.early_or_on_time}")
            f = replace(f, early_or_on_time=f.early + f.on_time)
        if f.resolved_total is not None and f.early_or_on_time is not None and f.late is not None \
                and f.early_or_on_time + f.late != f.resolved_total:
            fail("resolved.total, resolved.early_or_on_time, resolved.late",
                 f"{f.early_or_on_time} + {f.late} != {f.resolved_total}")
        if f.resolved_total is None and f.early_or_on_time is not None and f.late is not None:
            f = replace(f, resolved_total=f.early_or_on_time + f.late)
        if f.received_total is not None:
            if f.carried_over is not None and f.received is not None \
                    and f.carried_over + f.received != f.received_total:
                fail("received_total, carried_over, received",
                     f"{f.carried_over} + {f.received} != {f.received_total}")
            if f.received is not None:
                f = replace(f, carried_over=f.received_total - f.received)
            elif f.carried_over is not None:
                f = replace(f, received=f.received_total - f.carried_over)
            elif f.resolved_total is None or f.within_deadline is None or f.overdue is None:
                f = replace(f, carried_over=0, received=f.received_total)
            if min(f.carried_over or 0, f.received or 0) < 0:
                fail("received_total, carried_over, received", f"received_total {f.received_total} is too small")
        handled_known = f.resolved_total is not None and f.within_deadline is not None and f.overdue is not None
        if f.received is None:
            if not handled_known:
                raise ScenarioError(f"{where}: received is required unless resolved and in_progress are given")
            f = replace(f, received=f.resolved_total + f.within_deadline + f.overdue - (f.carried_over or 0))
        if f.carried_over is None:
            co = f.resolved_total + f.within_deadline + f.overdue - f.received if handled_known else 0
            f = replace(f, carried_over=co)
        if f.received_total is not None and f.carried_over + f.received != f.received_total:
            fail("received_total, carried_over, received, resolved.total, in_progress",
                 f"{f.carried_over} + {f.received} != {f.received_total}")
        handled = f.carried_over + f.received
        if handled_known and f.resolved_total + f.within_deadline + f.overdue != handled:
            fail("carried_over + received, resolved.total + in_progress.within_deadline + in_progress.overdue",
                 f"{f.carried_over} + {f.received} != {f.resolved_total} + {f.within_deadline} + {f.overdue}")
        if f.resolved_total is None:
            if f.within_deadline is not None and f.overdue is not None:
                f = replace(f, resolved_total=handled - f.within_deadline - f.overdue)
            elif f.early_or_on_time is not None:
                f = replace(f, resolved_total=f.early_or_on_time + (f.late if f.late is not None else 0))
            else:
                f = replace(f, resolved_total=round(handled * 0.97))
        if f.carried_over < 0 or f.resolved_total > handled:
            fail("carried_over, received, resolved.total, in_progress",
                 f"resolved {f.resolved_total} exceeds carried_over + received = {handled}")
        progress = handled - f.resolved_total
        if f.within_deadline is None and f.overdue is None:
            overdue = round(progress * 0.1)
            f = replace(f, within_deadline=progress - overdue, overdue=overdue)
        elif f.within_deadline is None:
            f = replace(f, within_deadline=progress - f.overdue)
        elif f.overdue is None:
            f = replace(f, overdue=progress - f.within_deadline)
        if min(f.within_deadline, f.overdue) < 0 or f.within_deadline + f.overdue != progress:
            fail("in_progress.within_deadline, in_progress.overdue, resolved.total",
                 f"in progress must be {progress}, got {f.within_deadline} + {f.overdue}")
        if f.early_or_on_time is None and f.late is None:
            f = replace(f, late=round(f.resolved_total * 0.02))
        if f.early_or_on_time is None:
            f = replace(f, early_or_on_time=f.resolved_total - f.late)
        if f.late is None:
            f = replace(f, late=f.resolved_total - f.early_or_on_time)
        if f.late < 0 or f.early_or_on_time + f.late != f.resolved_total:
            fail("resolved.total, resolved.early_or_on_time, resolved.late",
                 f"{f.early_or_on_time} + {f.late} != {f.resolved_total}")
        if f.early is None and f.on_time is None:
            early = round(f.early_or_on_time * 0.7)
            f = replace(f, early=early, on_time=f.early_or_on_time - early)
        elif f.early is None:
            f = replace(f, early=f.early_or_on_time - f.on_time)
        elif f.on_time is None:
            f = replace(f, on_time=f.early_or_on_time - f.early)
        if min(f.early, f.on_time) < 0:
            fail("resolved.early, resolved.on_time, resolved.early_or_on_time", "split is negative")
        if f.postal is None:
            f = replace(f, postal=0 if f.online is not None and f.online == f.received else round(f.received * 0.01))
        if f.online is None:
            f = replace(f, online=min(round(f.received * online_share), f.received - f.postal))
        if f.online + f.postal > f.received:
            fail("online, postal, received", f"{f.online} + {f.postal} > {f.received}")
        if f.postal_requested is None:
            f = replace(f, postal_requested=min(f.resolved_total, round(f.resolved_total * 0.02)))
        if f.postal_delivered is None:
            f = replace(f, postal_delivered=f.postal_requested)
        if not f.postal_delivered <= f.postal_requested <= f.resolved_total:
            fail("postal_return.requested, postal_return.delivered, resolved.total",
                 "need delivered <= requested <= resolved")
        if f.results_online is None:
            share = f.online / f.received if f.received else online_share
            f = replace(f, results_online=min(round(f.resolved_total * share), f.resolved_total - f.postal_requested))
        if f.results_online + f.postal_requested > f.resolved_total:
            fail("results_online, postal_return.requested, resolved.total",
                 f"{f.results_online} + {f.postal_requested} results returned exceed {f.resolved_total} resolved")
        if f.ratings_total is None:
            base = f.ratings_satisfied if f.ratings_satisfied is not None else round(f.resolved_total * 0.4)
            f = replace(f, ratings_total=min(f.resolved_total, base + round(base * 0.05)))
        if f.ratings_satisfied is None:
            f = replace(f, ratings_satisfied=round(f.ratings_total * 0.9))
        if not f.ratings_satisfied <= f.ratings_total <= f.resolved_total:
            fail("ratings.total, ratings.satisfied, resolved.total", "need satisfied <= total <= resolved")
        if f.apologies is None:
            f = replace(f, apologies=round(f.late * 0.8))
        if f.apologies > f.late + f.overdue:
            fail("apologies, resolved.late, in_progress.overdue", "more apologies than late dossiers")
        return replace(f, received_total=f.carried_over + f.received)


FIELD_KEYS = {
    "carried_over": "carried_over", "received": "received", "online": "online", "postal": "postal",
    "resolved_total": "resolved.total", "early_or_on_time": "resolved.early_or_on_time", "early": "resolved.early",
    "on_time": "resolved.on_time", "late": "resolved.late", "within_deadline": "in_progress.within_deadline",
    "overdue": "in_progress.overdue", "postal_requested": "postal_return.requested",
    "postal_delivered": "postal_return.delivered", "apologies": "apologies", "ratings_total": "ratings.total",
    "ratings_satisfied": "ratings.satisfied", "received_total": "received_total", "results_online": "results_online",
}
LEVELS = {"district": ("huyen", 0.6), "wards": ("xa", 0.35)}  # scenario level -> catalogue level, online share
_PROCEDURE_KEYS = {"code", "name", "field", "level", "duration", "online_level"}


@dataclass(frozen=True)
class ProcedureFigures:
    """Figures for one procedure at one handling level; a code missing from the catalogue is added."""

    code: str
    name: str | None
    field: str | None
    level: str  # district | wards
    duration: int | None  # statutory working days, for a procedure added to the catalogue
    online_level: int | None  # 2, 3 or 4, for a procedure added to the catalogue
    figures: Figures

    @classmethod
    def parse(cls, raw: dict, where: str) -> ProcedureFigures:
        if not isinstance(raw, dict):
            raise ScenarioError(f"{where}: each procedure is a mapping with a code")
        code = str(_require(raw, "code", where))
        where = f"{where}[{code}]"
        level = raw.get("level", "district")
        if level not in LEVELS:
            raise ScenarioError(f"{where}.level must be district or wards, got {level!r}")
        for key in ("duration", "online_level"):
            if raw.get(key) is not None and (not isinstance(raw[key], int) or raw[key] < 1):
                raise ScenarioError(f"{where}.{key} must be a positive integer, got {raw[key]!r}")
        if raw.get("online_level") not in (None, 2, 3, 4):
            raise ScenarioError(f"{where}.online_level must be 2, 3 or 4")
        figures = Figures.parse({k: v for k, v in raw.items() if k not in _PROCEDURE_KEYS}, where)
        return cls(code, raw.get("name"), raw.get("field"), level, raw.get("duration"), raw.get("online_level"),
                   figures)


@dataclass(frozen=True)
class DocumentFigures:
    outgoing_electronic: int | None = None
    outgoing_paper: int | None = None
    signed_both: int | None = None
    signed_personal_only: int | None = None
    signed_none: int | None = None
    incoming_electronic: int | None = None  # received through the document exchange (both directions count)
    incoming_paper: int | None = None
    signed_by_unit_head: int | None = None  # of the personally signed: the issuing agency's head signed

    @classmethod
    def parse(cls, raw: dict, where: str) -> DocumentFigures:
        where = f"{where} documents"
        if not isinstance(raw, dict):
            raise ScenarioError(f"{where}: a mapping of figures")
        unknown = set(raw) - {"outgoing_electronic", "outgoing_paper", "incoming_electronic", "incoming_paper",
                              "signed"}
        signed = raw.get("signed") or {}
        unknown |= {f"signed.{k}" for k in set(signed) - {"personal_and_organisation", "personal_only", "none",
                                                           "by_unit_head"}}
        if unknown:
            raise ScenarioError(f"{where}: unknown key(s) {sorted(unknown)}")
        figures = cls(raw.get("outgoing_electronic"), raw.get("outgoing_paper"),
                      signed.get("personal_and_organisation"), signed.get("personal_only"), signed.get("none"),
                      raw.get("incoming_electronic"), raw.get("incoming_paper"), signed.get("by_unit_head"))
        for name, value in vars(figures).items():
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise ScenarioError(f"{where}: {DOCUMENT_KEYS[name]} must be a non-negative integer, got {value!r}")
        parts = [figures.signed_both, figures.signed_personal_only, figures.signed_none]
        if figures.outgoing_electronic is not None and None not in parts \
                and sum(parts) != figures.outgoing_electronic:
            raise ScenarioError(f"{where}: documents.signed.* and documents.outgoing_electronic contradict each "
                                f"other: {sum(parts)} != {figures.outgoing_electronic}")
        if figures.signed_by_unit_head is not None:
            personal = figures.personal_signed()
            if figures.signed_by_unit_head > personal:
                raise ScenarioError(
                    f"{where}: documents.signed.by_unit_head and documents.signed.personal_and_organisation + "
                    f"documents.signed.personal_only contradict each other: {figures.signed_by_unit_head} documents "
                    f"signed by the unit's head, but only {personal} carry a personal signature")
        return figures

    def personal_signed(self) -> int:
        """Outgoing e-documents with a personal signature, as the generator makes them."""
        both = self.signed_both if self.signed_both is not None else \
            (self.outgoing_electronic or 0) - (self.signed_personal_only or 0) - (self.signed_none or 0)
        return max(both, 0) + (self.signed_personal_only or 0)


DOCUMENT_KEYS = {
    "outgoing_electronic": "documents.outgoing_electronic", "outgoing_paper": "documents.outgoing_paper",
    "signed_both": "documents.signed.personal_and_organisation", "signed_personal_only": "documents.signed.personal_only",
    "signed_none": "documents.signed.none", "incoming_electronic": "documents.incoming_electronic",
    "incoming_paper": "documents.incoming_paper", "signed_by_unit_head": "documents.signed.by_unit_head",
}

# Online levels of a procedure's public service as the one-stop systems code them (MucDo): 2 information
# only, 3 partial online ("một phần"), 4 full online ("toàn trình"): the two online levels of Decree
# 42/2022/NĐ-CP that replaced the earlier "mức độ 3/4" (domain-facts §3.1, §3.4).
ONLINE_LEVELS = {4: "full_online", 3: "partial_online", 2: "info_only"}


@dataclass(frozen=True)
class OfferingFigures:
    """Procedures a level's unit(s) offer on the period's last day, by online level (summed over wards)."""

    full_online: int | None = None
    partial_online: int | None = None
    info_only: int | None = None
    online: int | None = None  # full_online + partial_online ("137 thủ tục mức độ 3 và 4")

    @classmethod
    def parse(cls, raw: dict, where: str) -> OfferingFigures:
        if not isinstance(raw, dict):
            raise ScenarioError(f"{where}: a mapping of counts by online level")
        unknown = set(raw) - {"full_online", "partial_online", "info_only", "online"}
        if unknown:
            raise ScenarioError(f"{where}: unknown key(s) {sorted(unknown)}")
        figures = cls(raw.get("full_online"), raw.get("partial_online"), raw.get("info_only"), raw.get("online"))
        for name, value in vars(figures).items():
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise ScenarioError(f"{where}.{name} must be a non-negative integer, got {value!r}")
        return figures

    def resolve(self, where: str, default: dict[int, int]) -> dict[int, int]:
        """Count per online level (4, 3, 2); what is left out is the catalogue's count (`default`)."""
        full, partial, online = self.full_online, self.partial_online, self.online
        if online is not None:
            if full is not None and partial is not None and full + partial != online:
                raise ScenarioError(f"{where}: online, full_online, partial_online contradict each other: "
                                    f"{full} + {partial} != {online}")
            if full is None and partial is None:
                both = default[4] + default[3]
                full = online * default[4] // both if both else online
            if full is None:
                full = online - partial
            if partial is None:
                partial = online - full
            if min(full, partial) < 0:
                raise ScenarioError(f"{where}: online, full_online, partial_online contradict each other: "
                                    f"online {online} is less than one of its parts")
        return {4: default[4] if full is None else full, 3: default[3] if partial is None else partial,
                2: default[2] if self.info_only is None else self.info_only}


@dataclass(frozen=True)
class Scenario:
    name: str
    seed: int
    province_code: str
    province_name: str
    unit_code: str
    unit_name: str
    wards: int | None
    period_from: date
    period_to: date
    background: bool = True
    description: str = ""
    district: Figures | None = None
    ward_level: Figures | None = None
    procedures: tuple[ProcedureFigures, ...] = ()
    documents: DocumentFigures | None = None
    offering_district: OfferingFigures | None = None  # procedures offered at period end (offering.district)
    offering_wards: OfferingFigures | None = None  # summed over the unit's wards (offering.wards)
    certificates_personal: int | None = None
    certificates_organisation: int | None = None
    unit_level: str = "district"  # district | ward: a ward/commune's own report (one_stop.wards is that unit)
    district_code: str = ""  # the district-level unit: the unit itself, or the ward's district
    source: Path | None = field(default=None, compare=False)

    @property
    def after_reform(self) -> bool:
        """A period from 1 July 2025: units of the two-level list, communes directly under the province."""
        from simulators.world.catalog import REFORM

        return self.period_from >= REFORM

    @property
    def ward_codes(self) -> tuple[str, ...]:
        """The wards/communes whose one-stop dossiers make one_stop.wards."""
        from simulators.world.catalog import wards_of

        if self.unit_level == "ward":
            return (self.unit_code,)
        return tuple(wards_of(self.province_code, self.unit_code).ward_code)

    @property
    def period_type(self) -> str:
        """The rpt_* period_type whose row holds this scenario's figures."""
        return period_types(self.period_from, self.period_to)[0]

    def groups(self, level: str) -> tuple[Figures | None, list[tuple[ProcedureFigures, Figures]]]:
        """Resolved figures of a level's dossiers outside the named procedures, and of each named one.

        The level's figures include its procedures', so the rest is the difference; a procedure leaves a
        figure the level gives as 0 at 0. Raises ScenarioError naming the keys when they do not fit.
        """
        where = f"scenario {self.name} one_stop.{level}"
        given = self.district if level == "district" else self.ward_level
        share = LEVELS[level][1]
        named = []
        for p in self.procedures:
            if p.level != level:
                continue
            label = f"scenario {self.name} procedures[{p.code}]"
            figures = p.figures if given is None else _within(p.figures, given.resolve(where, share), given, label,
                                                               share)
            named.append((p, figures.resolve(label, share)))
        if given is None:
            return None, named
        rest = {}
        for key, value in vars(given).items():
            if value is None:
                rest[key] = None
                continue
            inside = sum(getattr(f, key) for _, f in named)
            if inside > value:
                codes = ", ".join(p.code for p, _ in named)
                raise ScenarioError(f"{where}: {FIELD_KEYS[key]} = {value} is less than the sum over its procedures "
                                    f"({codes}) = {inside}: procedures[*].{FIELD_KEYS[key]} and "
                                    f"one_stop.{level}.{FIELD_KEYS[key]} contradict each other")
            rest[key] = value - inside
        return Figures(**rest).resolve(where + (" outside the named procedures" if named else ""), share), named


# figures a procedure may leave out that default to its share of the level's (key: what the share is of)
_SHARED = (("online", "received"), ("postal", "received"), ("early", "early_or_on_time"),
           ("postal_requested", "resolved_total"), ("postal_delivered", "postal_requested"),
           ("results_online", "resolved_total"),
           ("apologies", "late+overdue"), ("ratings_total", "resolved_total"), ("ratings_satisfied", "ratings_total"))


def _basis(f: Figures, key: str) -> int:
    return f.late + f.overdue if key == "late+overdue" else getattr(f, key)


def _within(figures: Figures, level: Figures, given: Figures, where: str, share: float) -> Figures:
    """A procedure's figures with what it leaves out chosen to fit inside the level's given figures.

    A figure the level gives as 0 stays 0; the shared figures (_SHARED) are the procedure's pro-rata
    part of the level's, rounded down, so the rest of the level stays non-negative where it can.
    """
    zeros = {k: 0 for k, v in vars(given).items() if v == 0 and getattr(figures, k) is None}
    figures = replace(figures, **zeros)
    own = figures.resolve(where, share)
    for key, basis in _SHARED:
        if getattr(figures, key) is not None or getattr(given, key) is None:
            continue
        whole = _basis(level, basis)
        part = _basis(own, basis)
        figures = replace(figures, **{key: getattr(level, key) * part // whole if whole else 0})
        own = figures.resolve(where, share)
    return figures


def period_types(start: date, end: date) -> list[str]:
    """The standard report periods (int_report_periods) that [start, end] is, most specific first.

    'ytd' is N months from January ("7 tháng đầu năm", "9 tháng"), the form of cumulative reports.
    """
    if start.day != 1 or (end + timedelta(days=1)).day != 1 or end < start:
        return []
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    kinds = []
    if months == 1:
        kinds.append("month")
    if months == 3 and start.month in (1, 4, 7, 10):
        kinds.append("quarter")
    if months == 6 and start.month in (1, 7):
        kinds.append("half")
    if months == 12 and start.month == 1:
        kinds.append("year")
    if start.month == 1 and end.year == start.year:
        kinds.append("ytd")
    return kinds


def _require(raw: dict, key: str, where: str):
    if key not in raw or raw[key] in (None, ""):
        raise ScenarioError(f"{where}: required key {key!r} is missing")
    return raw[key]


def parse_scenario(raw: dict, where: str = "scenario") -> Scenario:
    name = _require(raw, "name", where)
    where = f"scenario {name}"
    province, unit, period = (_require(raw, k, where) for k in ("province", "unit", "period"))
    seed = _require(raw, "seed", where)
    period_from, period_to = _require(period, "from", where + " period"), _require(period, "to", where + " period")
    if isinstance(period_from, str):
        period_from, period_to = date.fromisoformat(period_from), date.fromisoformat(str(period_to))
    if period_to < period_from:
        raise ScenarioError(f"{where}: period.from and period.to contradict each other ({period_from} > {period_to})")
    if not period_types(period_from, period_to):
        raise ScenarioError(f"{where}: period {period_from}..{period_to} is not a report period the warehouse "
                            "publishes (a month, a quarter, N months from January, a half or a year)")
    one_stop = raw.get("one_stop") or {}
    unknown = set(one_stop) - {"district", "wards"}
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) one_stop.{sorted(unknown)}")
    district = Figures.parse(one_stop["district"], f"{where} one_stop.district") if "district" in one_stop else None
    wards = Figures.parse(one_stop["wards"], f"{where} one_stop.wards") if "wards" in one_stop else None
    docs = raw.get("documents")
    documents = DocumentFigures.parse(docs, where) if docs else None
    offering = raw.get("offering") or {}
    if not isinstance(offering, dict) or set(offering) - set(LEVELS):
        raise ScenarioError(f"{where}: offering takes district and/or wards, got {offering!r}")
    offered = {level: OfferingFigures.parse(offering[level], f"{where} offering.{level}")
               for level in LEVELS if offering.get(level) is not None}
    for level, figures in offered.items():  # contradictions do not depend on the catalogue's defaults
        figures.resolve(f"{where} offering.{level}", dict.fromkeys(ONLINE_LEVELS, 0))
    procs = tuple(ProcedureFigures.parse(p, where + " procedures") for p in raw.get("procedures") or [])
    seen = [(p.code, p.level) for p in procs]
    if len(set(seen)) != len(seen):
        raise ScenarioError(f"{where}: procedures lists a code twice at the same level")
    certs = raw.get("certificates") or {}
    unit_level = unit.get("level", "district")
    if unit_level not in ("district", "ward"):
        raise ScenarioError(f"{where}: unit.level must be district or ward, got {unit_level!r}")
    if unit_level == "ward":
        if district is not None or any(p.level == "district" for p in procs) or unit.get("wards") is not None \
                or "district" in offered:
            raise ScenarioError(f"{where}: unit.level is ward, so one_stop.district, procedures at district level, "
                                "offering.district and unit.wards do not apply (a ward/commune's figures go under "
                                "one_stop.wards and offering.wards)")
    scenario = Scenario(
        name=name, seed=int(seed), province_code=str(_require(province, "code", where + " province")),
        province_name=province.get("name", ""), unit_code=str(_require(unit, "code", where + " unit")),
        unit_name=unit.get("name", ""), wards=unit.get("wards"), period_from=period_from, period_to=period_to,
        background=bool(raw.get("background", True)), description=str(raw.get("description", "")).strip(),
        district=district, ward_level=wards, procedures=procs, documents=documents,
        offering_district=offered.get("district"), offering_wards=offered.get("wards"),
        certificates_personal=certs.get("personal"), certificates_organisation=certs.get("organisation"),
        unit_level=unit_level,
    )
    # resolving validates identities now, so a bad file fails at load time with the keys named
    for level in LEVELS:
        scenario.groups(level)
    return replace(scenario, district_code=_check_unit(scenario, where))


def _check_unit(scenario: Scenario, where: str) -> str:
    """The district-level unit of the scenario ("" after the reform), checked against the official list."""
    from simulators.world.catalog import REFORM, current_units, legacy_units, wards_of

    if scenario.period_from < REFORM <= scenario.period_to:
        raise ScenarioError(f"{where}: period {scenario.period_from}..{scenario.period_to} spans 1 July 2025, when "
                            "districts were abolished and communes merged (Resolution 202/2025/QH15): one unit's "
                            "report period is either before or from that date")
    if scenario.after_reform:
        if scenario.unit_level != "ward":
            raise ScenarioError(f"{where}: unit.level must be ward for a period from 1 July 2025: there is no "
                                "district level any more (Resolution 202/2025/QH15); give a commune/ward of the "
                                "current list")
        try:
            units = current_units(scenario.province_code)
        except ValueError as exc:
            raise ScenarioError(f"{where}: province.code: {exc}") from exc
        if not (units.ward_code == scenario.unit_code).any():
            raise ScenarioError(f"{where}: unit.code {scenario.unit_code!r} is not a commune/ward of province "
                                f"{scenario.province_code!r} in the list from 1 July 2025 (Decision 19/2025/QĐ-TTg)")
        return ""
    if scenario.unit_level == "ward":
        try:
            units = legacy_units(scenario.province_code)
        except ValueError as exc:
            raise ScenarioError(f"{where}: province.code: {exc}") from exc
        match = units[units.ward_code == scenario.unit_code]
        if match.empty:
            raise ScenarioError(f"{where}: unit.code {scenario.unit_code!r} is not a ward/commune of province "
                                f"{scenario.province_code!r} in the official list")
        return str(match.district_code.iloc[0])
    try:
        official = len(wards_of(scenario.province_code, scenario.unit_code))
    except ValueError as exc:
        raise ScenarioError(f"{where}: unit.code / province.code: {exc}") from exc
    if scenario.wards is not None and scenario.wards != official:
        raise ScenarioError(f"{where}: unit.wards is {scenario.wards} but the official list has {official} "
                            f"wards/communes for unit {scenario.unit_code}")
    return scenario.unit_code


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    if not path.exists() and (SCENARIO_DIR / path.name).exists():
        path = SCENARIO_DIR / path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: a scenario is a YAML mapping")
    return replace(parse_scenario(raw, str(path)), source=path)
