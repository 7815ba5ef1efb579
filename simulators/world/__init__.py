"""The simulated world: every record of the three source systems, generated vectorised in DuckDB.

`build_world(WorldConfig(...))` returns a `GeneratedWorld` that satisfies simulators.contract.World:
lifecycle tables (w_*) hold the ground truth, and `set_as_of` rebuilds the vendor-format serving
tables (serve_*) as of the simulated clock. Same config (seed) → identical data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from cchc.calendar import calendar
from cchc.clock import ISO_LOCAL
from simulators.scenario import LEVELS, Scenario, ScenarioError
from simulators.world import catalog, construct, documents, dossiers, offering, serving

DEFAULT_DISTRICTS = ("003", "004", "005", "006")  # Tây Hồ, Long Biên, Cầu Giấy, Đống Đa (Hà Nội)


@dataclass(frozen=True)
class WorldConfig:
    """What to simulate. With a scenario, province/districts/period follow the scenario."""

    seed: int = 42
    province_code: str = "01"
    district_codes: tuple[str, ...] = DEFAULT_DISTRICTS
    start: date = date(2024, 1, 1)
    end: date = date(2024, 6, 30)
    dossiers: int = 20_000
    documents: int | None = None  # default: a fifth of the dossiers
    scenario: Scenario | None = None
    as_of: datetime | None = None  # default: the end of the world's last day
    signature_breakage: float = 0.06  # share of signed documents broken on purpose (docs/signatures.md)
    extra_districts: int = field(default=3, repr=False)  # background districts added around a scenario unit


def _days(value: date) -> np.datetime64:
    return np.datetime64(value.isoformat(), "D")


class GeneratedWorld:
    """Ground-truth tables plus serving tables in one in-memory DuckDB."""

    def __init__(self, config: WorldConfig) -> None:
        self.config = config
        self.con = duckdb.connect()
        self.con.execute("set preserve_insertion_order = true")
        self._generate(config)
        self.as_of = config.as_of or datetime.combine(self.end, datetime.max.time()).replace(microsecond=0)
        self.set_as_of(self.as_of)

    # -- the clock -----------------------------------------------------------------------------
    def set_as_of(self, as_of: datetime) -> None:
        self.as_of = as_of
        serving.rebuild(self.con, as_of, self.catalogue_at)

    # -- the PKI (docs/signatures.md) ----------------------------------------------------------------
    def write_revocation_list(self, path: Path) -> Path:
        """The CAs' revocations known as of the clock, as CSV `serial,revoked_at` (CCHC_REVOCATION_LIST)."""
        rows = self.con.execute(f"""
            select serial, strftime(revoked_at, '{ISO_LOCAL}') from w_certificate
            where revoked_at <= ? order by serial""", [self.as_of]).fetchall()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("serial,revoked_at\n" + "".join(f"{s},{t}\n" for s, t in rows))
        return path

    def signature_truth(self) -> pd.DataFrame:
        """Ground truth per served signature: the status a correct verifier must find, and why."""
        return self.con.execute("""
            select d.doc_id || '-S' || s.ordinal as signature_id, d.doc_id as document_id, s.kind as signature_type,
                   s.expected_status, s.breakage, d.outgoing, d.electronic, d.issued::date as issued_date,
                   o.organ_id, o.unit_code
            from w_signature s join w_document d using (doc_idx) join w_organ o on o.organ_idx = d.organ_idx
            where d.modified <= ? order by signature_id""", [self.as_of]).df()

    def document_truth(self) -> pd.DataFrame:
        """Ground truth per served document: legally complete = electronic + valid personal + valid organisation."""
        return self.con.execute("""
            select d.doc_id as document_id, d.outgoing, d.electronic, d.issued::date as issued_date, o.unit_code,
                   d.breakage,
                   d.electronic and coalesce(bool_or(s.kind = 'personal' and s.expected_status = 'valid'), false)
                       and coalesce(bool_or(s.kind = 'organisation' and s.expected_status = 'valid'), false)
                       as legally_complete
            from w_document d join w_organ o on o.organ_idx = d.organ_idx
            left join w_signature s using (doc_idx)
            where d.modified <= ? group by d.doc_id, d.outgoing, d.electronic, d.issued, o.unit_code, d.breakage
            order by d.doc_id""", [self.as_of]).df()

    # -- generation ----------------------------------------------------------------------------
    def _generate(self, config: WorldConfig) -> None:
        scenario = config.scenario
        rng = np.random.default_rng(scenario.seed if scenario else config.seed)
        cal = calendar()
        province_code = scenario.province_code if scenario else config.province_code
        reform = scenario is not None and scenario.after_reform
        units = (catalog.current_units if reform else catalog.legacy_units)(province_code)
        communes = None  # after the reform: the communes simulated, directly under the province
        if reform:
            others = [c for c in units.ward_code if c != scenario.unit_code][: 8 * config.extra_districts]
            communes = [scenario.unit_code, *(others if scenario.background else [])]
            districts = []
        elif scenario:
            others = [c for c in units.district_code.unique() if c != scenario.district_code][: config.extra_districts]
            districts = [scenario.district_code, *(others if scenario.background else [])]
        if scenario:
            p_start, p_end = _days(scenario.period_from), _days(scenario.period_to)
            first = (scenario.period_from.replace(day=1) - timedelta(days=150)).replace(day=1)
            self.start, self.end = first, scenario.period_to + timedelta(days=62)
        else:
            districts = list(config.district_codes)
            self.start, self.end = config.start, config.end
            p_start = p_end = None
        missing = sorted(set(districts) - set(units.district_code))
        if missing:
            raise ValueError(f"district code(s) {missing} are not in province {province_code} of the official list")
        self.catalogue_at = datetime.combine(self.start - timedelta(days=30), datetime.min.time())
        as_of = np.datetime64(config.as_of or datetime.combine(self.end, datetime.max.time()).replace(microsecond=0), "s")
        start, end = _days(self.start), _days(self.end)
        wards = (units[units.ward_code.isin(communes)] if reform else units[units.district_code.isin(districts)]
                 ).reset_index(drop=True)
        procs = catalog.procedures().copy()
        frames = []
        n_background = config.dossiers if (scenario is None or scenario.background) else 0
        if n_background:
            # after the reform the district-level system serves the provincial centre's own dossiers
            bg = dossiers.background(rng, cal, n_background, procs, wards, districts or [province_code], start, end,
                                     as_of)
            if scenario:
                scenario_units = set(scenario.ward_codes) | {scenario.unit_code}
                near = bg.submitted.to_numpy(dtype="datetime64[s]") >= (p_start - np.timedelta64(120, "D"))
                bg = bg[~(bg.unit_code.isin(scenario_units).to_numpy() & near)]
            frames.append(dossiers.assign_extras(rng, cal, bg.reset_index(drop=True), as_of))
        if scenario:
            procs = with_scenario_procedures(procs, scenario)
            frames += [frame for _, frame, _ in scenario_dossiers(rng, cal, scenario, procs, self.end)]
        if not frames:
            raise ScenarioError(f"scenario {scenario.name}: no dossiers to serve — every figure is 0 and background "
                                "is false")
        table = pd.concat(frames, ignore_index=True)
        table = table.sort_values("submitted", kind="stable").reset_index(drop=True)
        table["idx"] = np.arange(len(table))
        n = len(table)
        n_people = max(500, n // 4)
        table["person"] = rng.integers(0, n_people, n)
        table["applicant_type"] = rng.choice(np.array([1, 2, 3, 4]), n, p=[0.85, 0.10, 0.02, 0.03])
        self._load_people(rng, n_people, province_code)
        procs = self._load_offerings(scenario, config, procs, wards, province_code, reform)
        procs["idx"] = np.arange(len(procs))
        self.con.register("procs_df", procs)
        self.con.execute("create table w_procedure as select * from procs_df")
        self._load_units(wards, units.province_name.iloc[0], province_code, reform)
        self._load_dossiers(table, province_code)
        self._load_documents(rng, cal, wards, districts, start, end, scenario,
                             (p_start, p_end) if scenario else None, config)

    def _load_offerings(self, scenario, config, procs, wards, province_code: str, reform: bool) -> pd.DataFrame:
        """Which unit offers which procedure at which online level (offering.py); returns the catalogue
        with any procedures added to meet a scenario's offering figures (they get no dossiers)."""
        rng = np.random.default_rng([scenario.seed if scenario else config.seed, 14])  # independent stream
        huyen = [province_code] if reform else list(wards.district_code.dropna().unique())
        units = pd.DataFrame({"code": [*huyen, *wards.ward_code],
                              "catalogue_level": ["huyen"] * len(huyen) + ["xa"] * len(wards)})
        procs, frame = offering.offerings(rng, procs, units, scenario, self.catalogue_at.date(), self.end)
        self.con.register("offering_df", frame)
        self.con.execute("""
            create table w_offering as select proc_idx, unit_code, online_level, valid_from::date as valid_from,
                valid_to::date as valid_to from offering_df""")
        self.con.unregister("offering_df")
        return procs

    def _load_people(self, rng, n: int, province_code: str) -> None:
        fam, mid, giv = (rng.integers(0, len(x), n) for x in (catalog.FAMILY_NAMES, catalog.MIDDLE_NAMES,
                                                               catalog.GIVEN_NAMES))
        people = pd.DataFrame({
            "person": np.arange(n),
            "full_name": np.array(catalog.FAMILY_NAMES)[fam] + " " + np.array(catalog.MIDDLE_NAMES)[mid] + " "
            + np.array(catalog.GIVEN_NAMES)[giv],
            "id_number": [f"0{province_code}{g}{y:02d}{s:06d}" for g, y, s in zip(
                rng.integers(0, 4, n), rng.integers(50, 100, n), rng.integers(0, 10**6, n), strict=True)],
            "phone": [f"09{v:08d}" for v in rng.integers(0, 10**8, n)],
            "business": np.array(catalog.BUSINESS_NAMES)[rng.integers(0, len(catalog.BUSINESS_NAMES), n)],
        })
        self.con.register("people_df", people)
        self.con.execute("""
            create table w_person as select person, full_name, id_number, phone, business,
                'user' || person || '.' || right(id_number, 4) || '@gmail.com' as email from people_df""")

    def _load_units(self, wards: pd.DataFrame, province_name: str, province_code: str, reform: bool) -> None:
        """The province, its simulated districts (none after the reform) and their wards/communes."""
        valid = ("2025-07-01", None) if reform else ("2008-08-01", "2025-06-30")
        rows = [(province_code, f"H{province_code}", province_name, "tinh", None, province_code, None, *valid)]
        for code, name in wards[["district_code", "district_name"]].dropna().drop_duplicates().itertuples(index=False):
            rows.append((code, f"H{province_code}.{code}", name, "huyen", province_code, province_code, None, *valid))
        for w in wards.itertuples(index=False):
            rows.append((w.ward_code, f"W{w.ward_code}", w.ward_name, "xa", w.district_code, province_code,
                         catalog.WARD_TYPE_CODE.get(w.ward_type, "xa"), *valid))
        frame = pd.DataFrame(rows, columns=["code", "vendor_code", "name", "level", "parent_code", "province_code",
                                            "ward_type", "valid_from", "valid_to"])
        self.con.register("units_df", frame)
        self.con.execute("create table w_unit as select * from units_df")

    def _load_dossiers(self, table: pd.DataFrame, province_code: str) -> None:
        for col in ("submitted", "received", "req1", "res1", "req2", "res2", "finish", "returned", "rated_at",
                    "apology_at"):
            table[col] = table[col].to_numpy(dtype="datetime64[s]")
        self.con.register("dossier_df", table)
        self.con.execute(f"""
            create table w_dossier as
            select d.idx, d.system, d.unit_code, d.district_code, d.proc_idx, d.channel, d.n_supp,
                d.submitted::timestamp as submitted, d.received::timestamp as received,
                d.due0::date as due0, d.due1::date as due1, d.due::date as due,
                d.req1::timestamp as req1, d.res1::timestamp as res1, d.req2::timestamp as req2,
                d.res2::timestamp as res2, d.finish::timestamp as finish, d.returned::timestamp as returned,
                d.outcome, d.return_method, d.postal_delivered, d.rated_at::timestamp as rated_at, d.rating,
                d.apology_at::timestamp as apology_at, d.apology_new_due::date as apology_new_due,
                d.has_digitised_inputs, d.result_digitised, d.paid_online, d.applicant_type,
                case when d.system = 'district' and d.unit_code = '{province_code}' then 'H{province_code}'
                     when d.system = 'district' then 'H{province_code}.' || d.unit_code
                     else 'W' || d.unit_code end as vendor_unit,
                case when d.system = 'district' and d.unit_code = '{province_code}' then 'H{province_code}'
                     when d.system = 'district' then 'H{province_code}.' || d.unit_code
                     else 'W' || d.unit_code end || '-' || strftime(d.submitted::timestamp, '%y%m%d') || '-'
                     || lpad(d.idx::varchar, 7, '0') as dossier_id,
                case when d.applicant_type = 2 then p.business else p.full_name end as applicant_name,
                case when d.applicant_type = 2 then '01' || right(p.id_number, 8) else p.id_number end as applicant_id,
                p.phone, p.email, d.person
            from dossier_df d join w_person p on p.person = d.person
            order by d.idx
        """)
        self.con.unregister("dossier_df")
        staff = ", ".join(f"'{n}'" for n in ("Nguyễn Thị Lan", "Trần Văn Hùng", "Lê Minh Đức", "Phạm Thu Hà"))
        self.con.execute(f"""
            create table w_event as
            with base as (
                select idx, system, dossier_id, due, channel, submitted, received, req1, res1, req2, res2,
                       finish, returned, outcome from w_dossier
            ), ev as (
                select idx, 1 as seq, submitted as event_at, 1 as status, 'Nộp hồ sơ trực tuyến' as note from base
                    where channel = 2 or outcome in (1, 3)
                union all select idx, 2, received, 2, 'Tiếp nhận hồ sơ' from base where received is not null
                union all select idx, 2, submitted + interval 1 day, 3, 'Không tiếp nhận hồ sơ' from base
                    where outcome = 3
                union all select idx, 3, received + interval 10 minute, 4, 'Chuyển phòng chuyên môn xử lý' from base
                    where received is not null
                union all select idx, 4, req1, 5, 'Yêu cầu bổ sung hồ sơ' from base where req1 is not null
                union all select idx, 5, res1, 4, 'Công dân đã bổ sung hồ sơ' from base where res1 is not null
                union all select idx, 6, req2, 5, 'Yêu cầu bổ sung hồ sơ lần 2' from base where req2 is not null
                union all select idx, 7, res2, 4, 'Công dân đã bổ sung hồ sơ' from base where res2 is not null
                union all select idx, 8, finish, case when outcome in (7, 8) then outcome else 9 end,
                    'Hoàn thành xử lý' from base where finish is not null
                union all select idx, 9, returned, 10, 'Trả kết quả' from base where returned is not null
            )
            select ev.idx as dossier_idx, b.system, b.dossier_id, ev.seq, ev.event_at, ev.status, ev.note,
                [{staff}][1 + (hash(ev.idx, ev.seq) % 4)::int] as actor,
                case when ev.seq <= 2 then 'Công chức Bộ phận Một cửa' else 'Chuyên viên' end as actor_title,
                case when ev.seq <= 2 then 'Bộ phận Một cửa' else 'Phòng chuyên môn' end as department,
                b.due + interval 17 hour as due_at
            from ev join base b on b.idx = ev.idx
            order by dossier_idx, seq
        """)

    def _load_documents(self, rng, cal, wards, districts, start, end, scenario, period, config) -> None:
        organs = documents.organs(wards, districts)
        organs["organ_idx"] = np.arange(len(organs))
        scenario_organs = np.array([], dtype=int)
        if scenario is not None:
            mine = organs.unit_code if scenario.unit_level == "ward" else organs.district_code
            scenario_organs = organs.index[(mine == scenario.unit_code).to_numpy()].to_numpy()
        certs = documents.certificates(rng, organs, start, end, scenario, scenario_organs, period)
        n_docs = config.documents if config.documents is not None else max(200, config.dossiers // 5)
        docs, sigs, recs = documents.documents(rng, cal, n_docs, organs, certs, start, end, scenario,
                                               scenario_organs, period)
        # a child generator: breaking and signing never shifts the draws above
        docs, sigs, certs = documents.sign_documents(np.random.default_rng(int(rng.integers(2**63))), docs, sigs,
                                                     certs, organs, config.signature_breakage, scenario_organs)
        for name, frame in (("w_organ", organs), ("w_certificate", certs), ("w_document", docs),
                            ("w_signature", sigs), ("w_recipient", recs)):
            for col in frame.columns:
                if frame[col].dtype.kind == "M":
                    frame[col] = frame[col].to_numpy(dtype="datetime64[s]")
            self.con.register("frame_df", frame)
            casts = ", ".join(f"\"{c}\"::timestamp as \"{c}\"" if frame[c].dtype.kind == "M" else f"\"{c}\"" for c in frame.columns)
            self.con.execute(f"create table {name} as select {casts} from frame_df")
            self.con.unregister("frame_df")


def with_scenario_procedures(procs: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The catalogue plus the scenario's procedures it lacks (with the given name, field and level)."""
    added = []
    for p in scenario.procedures:
        where = f"scenario {scenario.name} procedures[{p.code}]"
        level = LEVELS[p.level][0]
        known = procs[procs.code == p.code]
        if not known.empty:
            if known.level.iloc[0] != level:
                raise ScenarioError(f"{where}.level is {p.level} but the catalogue has the procedure at "
                                    f"{'district' if known.level.iloc[0] == 'huyen' else 'wards'} level")
            continue
        if any(a["code"] == p.code for a in added):
            raise ScenarioError(f"{where}: a procedure missing from the catalogue is listed at both levels")
        if not p.name or not p.field:
            raise ScenarioError(f"{where}: code not in the catalogue, so name and field are required")
        field_code = catalog.field_code(p.field)
        added.append({"code": p.code, "name": p.name, "field_code": field_code, "field_name": p.field,
                      "level": level, "duration": p.duration or 5, "online_level": p.online_level or 3,
                      "has_fee": True})
    return pd.concat([procs, pd.DataFrame(added)], ignore_index=True) if added else procs


def scenario_dossiers(rng, cal, scenario: Scenario, procs: pd.DataFrame, world_end: date) -> list[tuple[str, pd.DataFrame, np.ndarray]]:
    """Dossiers of the scenario unit whose report figures equal the scenario's, per level and procedure.

    Returns (label, dossiers, report bucket) per group: a level's dossiers outside its named procedures,
    then each named procedure's."""
    p_start, p_end = _days(scenario.period_from), _days(scenario.period_to)
    win = construct.window(cal, scenario.period_from, scenario.period_to, world_end)
    as_of = np.datetime64(datetime.combine(world_end, datetime.max.time()).replace(microsecond=0), "s")
    unit_wards = np.array(scenario.ward_codes)
    frames = []
    for level, system, unit_codes in (("district", dossiers.DISTRICT, np.array([scenario.district_code])),
                                      ("wards", dossiers.WARD, unit_wards)):
        rest, named = scenario.groups(level)
        where = f"scenario {scenario.name} one_stop.{level}"
        at_level = procs.level.to_numpy() == LEVELS[level][0]
        named_codes = [p.code for p, _ in named]
        groups = [(where, rest, np.flatnonzero(at_level & ~procs.code.isin(named_codes).to_numpy()))] if rest else []
        groups += [(f"scenario {scenario.name} procedures[{p.code}]", f,
                    np.flatnonzero(procs.code.to_numpy() == p.code)) for p, f in named]
        for label, figures, pool in groups:
            handled = figures.carried_over + figures.received
            if handled == 0:
                continue
            if pool.size == 0:
                raise ScenarioError(f"{label}: {handled} dossiers but every procedure of the level is named "
                                    "under procedures, so none is left for them")
            frame, bucket = dossiers.scenario_level(rng, cal, figures, system, procs, pool, unit_codes,
                                                    scenario.district_code or None, p_start, p_end, win, label)
            frame = dossiers.assign_extras(rng, cal, frame, as_of)
            dossiers.scenario_extras(rng, frame, bucket, figures, p_start, p_end, label)
            frames.append((label, frame, bucket))
    return frames


def check_scenario(scenario: Scenario) -> list[tuple[str, pd.DataFrame, np.ndarray]]:
    """Construct the scenario's own dossiers only (no background, documents or serving): raises ScenarioError
    naming the keys when the figures cannot be met. Seconds at most, for the CLI."""
    rng = np.random.default_rng(scenario.seed)
    cal = calendar()
    procs = with_scenario_procedures(catalog.procedures().copy(), scenario)
    return scenario_dossiers(rng, cal, scenario, procs, scenario.period_to + timedelta(days=62))


def build_world(config: WorldConfig | None = None) -> GeneratedWorld:
    return GeneratedWorld(config or WorldConfig())
