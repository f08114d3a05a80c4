"""Benchmarks: fill a database with many synthetic agreements, then time pages and services.

    .venv/bin/python bench/run.py [--agreements 10000] [--database-url URL] [--only NAME ...]

Without ``--database-url`` a fresh SQLite file under bench/out/ is used. Each figure is one
line ``name  median_ms  p95_ms  queries`` (queries: the SQL statements one call issued,
counted with a ``before_cursor_execute`` listener). Benchmarks are registered by name with
``@benchmark``; the optional ones run only when the service they time exists.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import itertools
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.core import clock  # noqa: E402
from app.extensions import db  # noqa: E402

OUT = ROOT / "bench" / "out"
AS_OF = date(2023, 6, 1)
PASSWORD = "bench password 123"
ORG_POOL = 300
PEOPLE_POOL = 200
TIME_BUDGET_S = 20.0  # per benchmark; slow ones stop repeating after this (at least MIN_REPEAT)
MIN_REPEAT = 5


class Skip(Exception):
    """The benchmark's service does not exist (yet)."""


# --------------------------------------------------------------------------- registry


@dataclass
class Bench:
    name: str
    fn: Callable[[Context], Callable[[], Any]]
    repeat: int
    optional: bool


BENCHMARKS: dict[str, Bench] = {}


def benchmark(name: str, repeat: int = 50, optional: bool = False):
    """Register ``fn(ctx) -> callable``: the callable is what gets timed."""

    def register(fn):
        BENCHMARKS[name] = Bench(name, fn, repeat, optional)
        return fn

    return register


# --------------------------------------------------------------------------- context


@dataclass
class Context:
    app: Any
    n: int
    agreement_id: int = 0
    extendable_id: int = 0  # a samverkansavtal that extends itself (for drafts)
    username: str = "bench-admin"
    token: str = ""
    _client: Any = None
    _small: Context | None = None
    counter: list[int] = field(default_factory=lambda: [0])
    database_url: str = ""
    #: Run (untimed) after the benchmark that added them, e.g. to put the data back.
    cleanups: list[Callable[[], Any]] = field(default_factory=list)

    @property
    def client(self):
        """A test client logged in as an admin (made once)."""
        if self._client is None:
            self._client = self.app.test_client()
            r = self._client.post("/login", data={"username": self.username, "password": PASSWORD})
            if r.status_code != 302:
                raise RuntimeError(f"login failed: {r.status_code}")
        return self._client

    def get(self, path: str, **kw) -> Callable[[], Any]:
        client = self.client

        def call():
            r = client.get(path, **kw)
            if r.status_code != 200:
                raise RuntimeError(f"GET {path} gave {r.status_code}")
            return r

        return call

    def run_cleanups(self) -> None:
        while self.cleanups:
            self.cleanups.pop(0)()

    def in_app(self, fn: Callable[[], Any]) -> Callable[[], Any]:
        """Run a service call in its own app context and session, rolled back afterwards."""

        def call():
            with self.app.app_context():
                try:
                    return fn()
                finally:
                    db.session.rollback()
                    db.session.remove()

        return call

    def small(self) -> Context:
        """A second database with only 10 agreements, for comparing query counts."""
        if self._small is None:
            self._small = prepare(10, None, echo=False)
        return self._small


def call_flexibly(fn: Callable, **candidates: Any) -> Any:
    """Call a service whose exact signature may vary: pass the parameters it names."""
    kwargs = {}
    for name, param in inspect.signature(fn).parameters.items():
        if name in candidates:
            kwargs[name] = candidates[name]
        elif param.default is inspect.Parameter.empty and param.kind not in (
            param.VAR_POSITIONAL,
            param.VAR_KEYWORD,
        ):
            raise Skip(f"{fn.__module__}.{fn.__name__} needs an unknown argument {name!r}")
    return fn(**kwargs)


def optional_import(module: str, name: str):
    try:
        mod = __import__(module, fromlist=[name])
        return getattr(mod, name)
    except (ImportError, AttributeError) as exc:
        raise Skip(f"{module}.{name} not available") from exc


# --------------------------------------------------------------------------- filling


def _progress(label: str, done: int, total: int, echo: bool) -> None:
    if echo:
        width = 30
        filled = int(width * done / max(total, 1))
        print(f"\r  {label:<24} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end="")
        if done >= total:
            print()


def _chunks(rows: list[dict], size: int = 2000):
    for i in range(0, len(rows), size):
        yield i, rows[i : i + size]


def _bulk(model, rows: list[dict], label: str, echo: bool) -> None:
    for i, chunk in _chunks(rows):
        db.session.execute(insert(model), chunk)
        _progress(label, i + len(chunk), len(rows), echo)
    if not rows:
        _progress(label, 0, 0, echo)


def fill(n: int, echo: bool = True, amended: bool = True) -> tuple[int, int, str]:
    """Insert ``n`` synthetic agreements (with parties, money lines and obligations) in bulk;
    returns the id of a typical agreement, of a self-extending one and an admin's API token."""
    from app.agreements import rules
    from app.agreements.models import AGREEMENT_KINDS, Agreement, AgreementParty, Obligation
    from app.auth.services import create_user, issue_token
    from app.db import utcnow
    from app.parties.models import Organisation, OrganisationUnit, Person

    rnd = random.Random(42)
    # Entered before today, as a register is: a refresh that follows sees no agreement as
    # changed just now (CHANGE_MARGIN), which would recompute every huvudman's 1 March.
    now = utcnow() - timedelta(days=1)
    user = create_user("bench-admin", "admin", PASSWORD, name="Bench")
    token = issue_token(user)

    orgs = [
        {"id": i, "name": f"Organisation {i:04d}", "kind": "kommun", "created_at": now}
        for i in range(1, ORG_POOL + 1)
    ]
    _bulk(Organisation, orgs, "organisations", echo)
    units = [
        {"id": i, "organisation_id": i, "name": f"Nämnd {i}", "kind": "namnd"} for i in range(1, 21)
    ]
    _bulk(OrganisationUnit, units, "units", echo)
    people = [
        {
            "id": i,
            "name": f"Person {i:04d}",
            "email": f"person{i}@example.se",
            "organisation_id": rnd.randint(1, ORG_POOL),
            "created_at": now,
        }
        for i in range(1, PEOPLE_POOL + 1)
    ]
    _bulk(Person, people, "people", echo)

    agreements, parties, obligations = [], [], []
    agreement_party_ids: list[list[int]] = []
    extendable = 0
    for i in range(1, n + 1):
        start = date(rnd.randint(2005, 2024), rnd.choice((1, 4, 7)), 1)
        open_ended = rnd.random() < 0.3
        end = None if open_ended else date(start.year + rnd.randint(0, 3), 12, 31)
        extension = None if open_ended else rnd.choice((None, 12, 24))
        notice = rnd.choice((3, 6, 12))
        terms = rules.Terms(
            start_date=start,
            end_date=end,
            notice_period_months=notice,
            notice_period_days=None,
            notice_must_be_written=True,
            notice_ends_at_month_end=False,
            extension_months=extension,
            max_extensions=None,
            continues_open_ended=False,
        )
        if rules.validate_terms(terms):  # e.g. notice longer than a short term
            notice = 1
            terms = dataclasses.replace(terms, notice_period_months=1)
        status = rules.lifecycle_status(terms, AS_OF, "decided", None)
        kind = AGREEMENT_KINDS[i % len(AGREEMENT_KINDS)]
        if not extendable and kind == "samverkansavtal" and extension and status == "extended":
            extendable = i
        agreements.append(
            {
                "id": i,
                "kind": kind,
                "title": f"Personligt ombud {i:05d} {rnd.choice(['norr', 'söder', 'öst', 'väst'])}",
                "diarienummer": f"SOC {start.year}/{i}",
                "stage": "decided",
                "status": status,
                "board_id": rnd.randint(1, 20),
                "start_date": start,
                "end_date": end,
                "notice_period_months": notice,
                "notice_must_be_written": True,
                "notice_ends_at_month_end": False,
                "extension_months": extension,
                "continues_open_ended": False,
                "fte": Decimal(rnd.randint(1, 8)),
                "invoicing": "monthly",
                "responsible_person_id": rnd.randint(1, PEOPLE_POOL),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        party_ids = rnd.sample(range(1, ORG_POOL + 1), rnd.randint(2, 4))
        agreement_party_ids.append(party_ids)
        for j, org_id in enumerate(party_ids):
            parties.append(
                {
                    "agreement_id": i,
                    "organisation_id": org_id,
                    "role": "bestallare" if j == 0 else ("utforare" if j == 1 else "part"),
                }
            )
        obligations.append(
            {
                "agreement_id": i,
                "title": "Verksamhetsberättelse",
                "recurrence": "yearly",
                "due_month": 3,
                "due_day": 31,
                "active": True,
                "created_at": now,
            }
        )
        obligations.append(
            {
                "agreement_id": i,
                "title": "Försäkringsbevis",
                "recurrence": "yearly",
                "due_month": 12,
                "due_day": 24,
                "relative_to_label": "försäkringen går ut",
                "days_before": 7,
                "active": True,
                "created_at": now,
            }
        )
    # Every fifth agreement has 1–3 tilläggsavtal (issue 13's load); --without-amendments: none.
    amendments = _amendments(agreements) if amended else []
    _bulk(Agreement, agreements, "agreements", echo)
    from app.agreements.models import Amendment

    _bulk(Amendment, amendments, "amendments", echo)
    _bulk(AgreementParty, parties, "agreement parties", echo)
    _bulk(Obligation, obligations, "obligations", echo)

    from app.finance.models import CompensationItem, CostShare
    from app.indexation.models import IndexSeries
    from app.indexation.services import ensure_default_series

    # OPI with its known values and the grant rates, as a real installation has them.
    ensure_default_series()
    opi = db.session.execute(select(IndexSeries.id).where(IndexSeries.code == "OPI")).scalar_one()
    lines, shares = [], []
    for i in range(1, n + 1):
        for k in range(rnd.randint(1, 3)):
            indexed = rnd.random() < 0.8  # most compensation follows OPI; some is fixed
            lines.append(
                {
                    "agreement_id": i,
                    "label": ("Personal", "Lokal", "Övrigt")[k],
                    "amount": Decimal(rnd.randint(100_000, 4_000_000)),
                    "price_level_year": rnd.randint(2016, 2021),
                    "series_id": opi if indexed else None,
                    "rounding": "yearly" if indexed and rnd.random() < 0.1 else "final",
                    "position": k,
                    "created_at": now,
                }
            )
    for i, party_ids in enumerate(agreement_party_ids, start=1):
        if i % 2:  # half the agreements share the net cost equally between their parties
            for org_id in party_ids:
                shares.append(
                    {
                        "agreement_id": i,
                        "organisation_id": org_id,
                        "numerator": 1,
                        "denominator": len(party_ids),
                        "method": "equal",
                    }
                )
    _bulk(CompensationItem, lines, "compensation lines", echo)
    _bulk(CostShare, shares, "cost shares", echo)

    if db.engine.dialect.name == "postgresql":
        for model in (Organisation, OrganisationUnit, Person, Agreement):
            table = model.__tablename__
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
            )
    db.session.commit()
    return max(1, n // 2), extendable or 1, token


def _amendments(agreements: list[dict]) -> list[dict]:
    """1–3 tilläggsavtal on every fifth agreement (a later end, another notice period or
    extension, more FTE), each valid on the terms before it; the agreement's stored status is
    the one of its amended terms. Its own random stream, so the rest of the data is as before."""
    from app.agreements import rules
    from app.agreements.terms import Change, segments
    from app.core.dates import add_months
    from app.db import utcnow

    rnd = random.Random(1313)
    now = utcnow() - timedelta(days=1)  # entered with the agreements (see fill)
    rows: list[dict] = []
    for row in agreements[4::5]:
        terms = rules.Terms(**{f: row.get(f) for f in _TERM_COLUMNS})
        last = rules.final_end(terms) or date(2026, 12, 31)
        changes: list[Change] = []
        day = row["start_date"]
        for _ in range(rnd.randint(1, 3)):
            day = day + timedelta(days=rnd.randint(60, 900))
            if day > min(last, date(2026, 12, 31)):
                break
            choice = rnd.choice(("end", "notice", "extension", "fte"))
            current = segments(terms, changes).on(day)
            period = rules.period_containing(current, day)
            if choice == "end" and period is not None and period.end is not None:
                change = {"end_date": add_months(period.end, 12).isoformat()}
            elif choice == "extension" and current.extension_months:
                change = {"extension_months": rnd.choice((12, 24, 36))}
            elif choice == "fte":
                change = {"fte": str(Decimal(rnd.randint(1, 9)))}
            else:
                change = {"notice_period_months": rnd.choice((3, 6, 9))}
            try:
                timeline = segments(terms, [*changes, Change(day, _as_dates(change), len(rows))])
            except rules.RuleViolation:
                continue
            changes.append(Change(day, _as_dates(change), len(rows)))
            last = rules.final_end(timeline.on(day)) or date(2026, 12, 31)
            rows.append(
                {
                    "agreement_id": row["id"],
                    "effective_date": day,
                    "signed_date": day - timedelta(days=14),
                    "diarienummer": f"TA {day.year}/{row['id']}",
                    "description": "Tilläggsavtal (benchmark)",
                    "changes": change,
                    "created_at": now,
                }
            )
        if changes:
            row["status"] = rules.lifecycle_status(
                segments(terms, changes).on(AS_OF), AS_OF, "decided", None
            )
    return rows


def _as_dates(change: dict) -> dict:
    if isinstance(change.get("end_date"), str):
        return {**change, "end_date": date.fromisoformat(change["end_date"])}
    return change


_TERM_COLUMNS = (
    "start_date",
    "end_date",
    "notice_period_months",
    "notice_period_days",
    "notice_must_be_written",
    "notice_ends_at_month_end",
    "extension_months",
    "max_extensions",
    "continues_open_ended",
)


def prepare(
    n: int,
    database_url: str | None,
    echo: bool = True,
    reset: bool = False,
    amended: bool = True,
) -> Context:
    OUT.mkdir(parents=True, exist_ok=True)
    if database_url is None:
        path = OUT / f"bench-{n}.db"
        path.unlink(missing_ok=True)
        database_url = f"sqlite:///{path}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
            "ATTACHMENT_DIR": str(OUT / "attachments"),
            "MAIL_SERVER": None,
        }
    )
    ctx = Context(app=app, n=n, database_url=database_url)
    with app.app_context():
        if reset:
            db.drop_all()
        db.create_all()
        from app.agreements.models import Agreement

        if db.session.scalar(select(func.count(Agreement.id))):
            raise SystemExit(
                f"{database_url} already holds agreements; use an empty database or --reset."
            )
        started = time.perf_counter()
        if echo:
            print(f"Filling {database_url} with {n} agreements …")
        ctx.agreement_id, ctx.extendable_id, ctx.token = fill(n, echo, amended)
        if echo:
            print(f"  filled in {time.perf_counter() - started:.1f} s")
        if db.engine.dialect.name == "postgresql":
            # Planner statistics, as autovacuum would gather soon after a bulk load: without
            # them the fresh tables look tiny and indexes (the search index) go unused.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        # As the scheduler's daily refresh would have done: pages read stored deadlines.
        from app.deadlines.services import refresh_all

        started = time.perf_counter()
        refresh_all(clock.today())
        db.session.commit()
        if echo:
            print(f"  deadlines refreshed in {time.perf_counter() - started:.1f} s")
        # As `flask finance refresh` after a bulk load: the yearly figures kept per agreement.
        started = time.perf_counter()
        _build_figures(echo)
        if echo:
            print(f"  finance figures built in {time.perf_counter() - started:.1f} s")
        if db.engine.dialect.name == "postgresql":
            # As autovacuum does soon after a bulk load (PostgreSQL 13+ vacuums insert-only
            # tables too): the visibility map lets counts be index-only, and no autovacuum
            # of a million fresh rows runs beside the timings.
            started = time.perf_counter()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE)"))
            if echo:
                print(f"  vacuumed in {time.perf_counter() - started:.1f} s")

        counter = ctx.counter

        @event.listens_for(db.engine, "before_cursor_execute")
        def count(*_args, **_kw):
            counter[0] += 1

    return ctx


# --------------------------------------------------------------------------- benchmarks


@benchmark("floor_static_css", repeat=200)
def floor_static(ctx: Context):
    return ctx.get("/static/css/app.css")


@benchmark("login_page", repeat=100)
def login_page(ctx: Context):
    client = ctx.app.test_client()  # not logged in

    def call():
        r = client.get("/login")
        assert r.status_code == 200
        return r

    return call


@benchmark("dashboard", repeat=50)
def dashboard(ctx: Context):
    return ctx.get("/")


@benchmark("agreement_list", repeat=50)
def agreement_list(ctx: Context):
    return ctx.get("/agreements/")


@benchmark("agreement_list_kind", repeat=50)
def agreement_list_kind(ctx: Context):
    return ctx.get("/agreements/?kind=samverkansavtal")


@benchmark("agreement_list_search", repeat=50)
def agreement_list_search(ctx: Context):
    return ctx.get("/agreements/?q=norr")


@benchmark("agreement_list_party_search", repeat=30)
def agreement_list_party_search(ctx: Context):
    return ctx.get("/agreements/?q=Organisation%200042")


@benchmark("api_agreement_search", repeat=50)
def api_search(ctx: Context):
    return ctx.get("/api/v1/agreements?q=norr", headers={"Authorization": f"Bearer {ctx.token}"})


@benchmark("dashboard_as_of_other_day", repeat=3)
def dashboard_as_of(ctx: Context):
    """The start page as of a day outside the span the stored rows answer for (years before the
    refresh): computed in batches until AS_OF_TIME_BUDGET_SECONDS, then it says so (the figure
    is then about the budget)."""
    return ctx.get(f"/?as_of={AS_OF.isoformat()}")


# A day the daily refresh (today) does not describe, within the span its rows answer for.
SPAN_DAY_OFFSET = timedelta(days=-100)


@benchmark("dashboard_as_of_span_day", repeat=20)
def dashboard_as_of_span_day(ctx: Context):
    """The start page as of a hundred days before the stored refresh (read from the span)."""
    return ctx.get(f"/?as_of={(clock.today() + SPAN_DAY_OFFSET).isoformat()}")


@benchmark("api_deadlines_as_of_span_day", repeat=20)
def api_deadlines_as_of_span_day(ctx: Context):
    """GET /api/v1/deadlines as of a hundred days before the stored refresh."""
    day = (clock.today() + SPAN_DAY_OFFSET).isoformat()
    return ctx.get(
        f"/api/v1/deadlines?as_of={day}&within_days=365",
        headers={"Authorization": f"Bearer {ctx.token}"},
    )


@benchmark("api_finance_compensation_page", repeat=5, optional=True)
def api_finance_compensation(ctx: Context):
    return ctx.get(
        "/api/v1/finance/compensation?year=2023&per_page=50",
        headers={"Authorization": f"Bearer {ctx.token}"},
    )


@benchmark("agreement_list_10_agreements", repeat=50)
def agreement_list_small(ctx: Context):
    """The same list page on a database with 10 agreements: the query count must match."""
    return ctx.small().get("/agreements/")


@benchmark("agreement_detail", repeat=50)
def agreement_detail(ctx: Context):
    return ctx.get(f"/agreements/{ctx.agreement_id}")


@benchmark("agreement_edit_form", repeat=50)
def agreement_edit_form(ctx: Context):
    return ctx.get(f"/agreements/{ctx.agreement_id}/edit")


@benchmark("api_agreement_list", repeat=50)
def api_list(ctx: Context):
    return ctx.get(
        "/api/v1/agreements?per_page=50", headers={"Authorization": f"Bearer {ctx.token}"}
    )


@benchmark("api_agreement_list_10_agreements", repeat=50)
def api_list_small(ctx: Context):
    small = ctx.small()
    return small.get(
        "/api/v1/agreements?per_page=50", headers={"Authorization": f"Bearer {small.token}"}
    )


@benchmark("api_agreement_detail", repeat=50)
def api_detail(ctx: Context):
    return ctx.get(
        f"/api/v1/agreements/{ctx.agreement_id}",
        headers={"Authorization": f"Bearer {ctx.token}"},
    )


@benchmark("deadlines_refresh_all", repeat=3, optional=True)
def deadlines_refresh(ctx: Context):
    refresh_all = optional_import("app.deadlines.services", "refresh_all")

    def run():
        result = call_flexibly(refresh_all, as_of=clock.today(), today=clock.today())
        db.session.commit()
        return result

    return ctx.in_app(run)


@benchmark("deadlines_refresh_daily", repeat=5, optional=True)
def deadlines_refresh_daily(ctx: Context):
    """The scheduler's nightly refresh (``refresh_due``): each run is the next day's, from a
    full refresh thirty days ago; afterwards (untimed) one brings the rows to today."""
    from app.deadlines.services import refresh_all, refresh_due

    offsets = itertools.count(-29)

    def start():
        refresh_all(clock.today() - timedelta(days=30))
        db.session.commit()

    def back_to_today():
        refresh_due(clock.today())
        db.session.commit()

    def run():
        result = refresh_due(clock.today() + timedelta(days=next(offsets)))
        db.session.commit()
        return result

    ctx.in_app(start)()
    ctx.cleanups.append(ctx.in_app(back_to_today))
    return ctx.in_app(run)


@benchmark("deadlines_refresh_daily_after_edits", repeat=5, optional=True)
def deadlines_refresh_daily_after_edits(ctx: Context):
    """``refresh_due`` on days when 1 % of the register was edited since the day before (their
    ``updated_at`` moved on: what an edit leaves for the rows of no agreement, the huvudman's
    1 March and the missing index values, to recompute), one day after another, after one
    untimed refresh of today."""
    from app.agreements.models import Agreement
    from app.deadlines.services import refresh_due

    offsets = itertools.count(1)
    edited = max(1, ctx.n // 100)
    rnd = random.Random(11)

    def today():
        refresh_due(clock.today())
        db.session.commit()

    def run():
        ids = rnd.sample(range(1, ctx.n + 1), edited)
        db.session.execute(
            Agreement.__table__.update()
            .where(Agreement.__table__.c.id.in_(ids))
            .values(updated_at=datetime.now(UTC))
        )
        result = refresh_due(clock.today() + timedelta(days=next(offsets)))
        db.session.commit()
        return result

    ctx.in_app(today)()
    ctx.cleanups.append(ctx.in_app(today))
    return ctx.in_app(run)


@benchmark("reminder_sweep_nothing_due", repeat=20, optional=True)
def reminder_sweep(ctx: Context):
    run_sweep = optional_import("app.reminders.services", "run_sweep")
    # The first sweep may send what is due; time the following ones, with nothing left.
    now = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 8, 0, tzinfo=UTC)
    candidates = {"now": now, "as_of": AS_OF, "today": AS_OF, "at": now}

    def run():
        result = call_flexibly(run_sweep, **candidates)
        db.session.commit()
        return result

    ctx.in_app(run)()
    return ctx.in_app(run)


@benchmark("reminders_send_1000_mails", repeat=1, optional=True)
def reminders_send_1000(ctx: Context):
    """1 000 reminders due today, delivered by one sweep to a real SMTP server on loopback."""
    import socket

    from aiosmtpd.controller import Controller

    from app.deadlines.models import Deadline
    from app.reminders.services import run_sweep

    class Count:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Count.received += 1
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    ctx.app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=10)
    today = clock.today()
    with ctx.app.app_context():
        # Only the 1 000 bench deadlines are due: the refreshed ones are parked for the run
        # (an untimed sweep of them would first send tens of thousands of mails).
        db.session.execute(text("CREATE TABLE bench_parked_deadlines AS SELECT * FROM deadlines"))
        db.session.execute(text("DELETE FROM deadlines"))
        rows = [
            {
                "key": f"bench:mail:{i}",
                "kind": "obligation_due",
                "agreement_id": i,
                "date": today,
                "business_day": today,
                "title": f"Bench-påminnelse {i}",
                "overdue": False,
                "as_of": today,
                "refreshed_at": datetime.now(UTC),
            }
            for i in range(1, 1001)
        ]
        db.session.execute(insert(Deadline), rows)
        db.session.commit()

    def call():
        Count.received = 0
        with ctx.app.app_context():
            try:
                result = run_sweep(today)
            finally:
                controller.stop()
                db.session.rollback()
                db.session.execute(text("DELETE FROM deadlines"))
                db.session.execute(
                    text("INSERT INTO deadlines SELECT * FROM bench_parked_deadlines")
                )
                db.session.execute(text("DROP TABLE bench_parked_deadlines"))
                db.session.commit()
        if Count.received < 1000:
            raise RuntimeError(f"only {Count.received} mails arrived (sweep: {result.summary()})")
        return result

    return call


@benchmark("finance_overview_2023", repeat=10, optional=True)
def finance_overview(ctx: Context):
    with ctx.app.app_context():
        rules = {r.rule for r in ctx.app.url_map.iter_rules()}
    if "/finance/" not in rules:
        raise Skip("no /finance/ page")
    return ctx.get("/finance/?year=2023")


def _build_figures(echo: bool) -> None:
    from app.finance import figures

    def progress(done: int, total: int) -> None:
        if echo and (done == total or done % 10000 < figures.BATCH_SIZE):
            print(f"  finance figures {done}/{total}", flush=True)

    figures.refresh_all(progress)
    db.session.commit()
    figures.vacuum()  # as `flask finance refresh` does after a rebuild


def _cold(ctx: Context, path: str) -> Callable[[], Any]:
    """GET ``path`` as the first view after a change (or in a new worker): the figures are
    kept in the database, so nothing is remembered in the process and this equals the warm
    view; kept under its name so that runs before and after compare."""
    return ctx.get(path)


@benchmark("finance_figures_refresh_all", repeat=1, optional=True)
def finance_figures_refresh_all(ctx: Context):
    """Rebuilding every agreement's stored yearly figures (`flask finance refresh --full`)."""

    def run():
        _build_figures(echo=False)

    return ctx.in_app(run)


@benchmark("finance_figures_one_agreement", repeat=20, optional=True)
def finance_figures_one_agreement(ctx: Context):
    """What a change of one agreement's money adds to its commit: its figures recomputed."""
    from app.finance import figures

    def run():
        figures.refresh([ctx.agreement_id])
        db.session.commit()

    return ctx.in_app(run)


@benchmark("finance_overview_2023_cold", repeat=5, optional=True)
def finance_overview_cold(ctx: Context):
    """The overview page with nothing remembered: the first view after a change of the data."""
    return _cold(ctx, "/finance/?year=2023")


@benchmark("finance_settlement_2023_cold", repeat=5, optional=True)
def finance_settlement_cold(ctx: Context):
    """The settlement page for OPI 2023 (3.5 % preliminary, 4.6 % final) with nothing
    remembered: every agreement following OPI is computed on both values."""
    return _cold(ctx, "/finance/settlement?year=2023")


@benchmark("finance_year_results_cold", repeat=5, optional=True)
def finance_year_results_cold(ctx: Context):
    """One year's figures across every agreement, the service alone (since the figures are
    kept in the database: SQL aggregates over them, whether or not anything changed)."""
    from app.finance import services

    def run():
        return services.overview(2023)

    return ctx.in_app(run)


@benchmark("finance_year_computed", repeat=3, optional=True)
def finance_year_computed(ctx: Context):
    """The same year computed agreement by agreement, as before the figures were kept (still
    the path for a year outside the kept window): the baseline for the figure above."""
    from app.finance import services

    def run():
        rows = services._computed_year_results(2023, None, None, None, None)
        return services._computed_overview(2023, rows)

    return ctx.in_app(run)


@benchmark("compensation_ten_years", repeat=30, optional=True)
def compensation_ten_years(ctx: Context):
    compensation_years = optional_import("app.finance.services", "compensation_years")
    from app.agreements.models import Agreement

    def run():
        agreement = db.session.get(Agreement, ctx.agreement_id)
        return call_flexibly(
            compensation_years,
            agreement=agreement,
            agreement_id=ctx.agreement_id,
            from_year=2021,
            to_year=2030,
            first_year=2021,
            last_year=2030,
            years=range(2021, 2031),
            as_of=AS_OF,
        )

    return ctx.in_app(run)


@benchmark("render_draft", repeat=10, optional=True)
def render_draft(ctx: Context):
    render = optional_import("app.documents.services", "render_draft")
    from app.agreements.models import Agreement

    def run():
        agreement = db.session.get(Agreement, ctx.extendable_id)
        return call_flexibly(
            render,
            agreement=agreement,
            agreement_id=ctx.agreement_id,
            decision="forlangning",
            kind="forlangning",
            as_of=AS_OF,
            texts=None,
            user=None,
        )

    return ctx.in_app(run)


def _import_file(ctx: Context, rows: int, prefix: str) -> bytes:
    """An .xlsx of ``rows`` new agreements in the import template's columns, naming the
    bench's organisations and people; half of them with a compensation line following OPI."""
    import io

    from openpyxl import Workbook

    from app.imports.columns import COLUMNS
    from app.parties.models import Organisation, Person

    with ctx.app.app_context():
        names = list(db.session.scalars(select(Organisation.name).order_by(Organisation.id)))
        emails = list(db.session.scalars(select(Person.email).order_by(Person.id)))
    rnd = random.Random(14)
    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    for i in range(rows):
        start = date(2015 + i % 9, 1 + i % 12, 1)
        parties = rnd.sample(names, 2)
        money = [1_000_000 + i, 2019, "OPI", 2021] if i % 2 else [None, None, None, None]
        ws.append(
            [
                f"{prefix} {i}",
                ("Verksamhetsuppdrag", "Samverkansavtal", "IOP")[i % 3],
                f"Importerat avtal {prefix} {i}",
                start,
                None if i % 3 == 0 else date(start.year + 2, 12, 31),
                12 if i % 3 == 0 else 6,
                "ja",
                None if i % 3 != 1 else 24,
                None,
                "ja" if i % 3 == 2 else "nej",
                f"{parties[0]} (beställare); {parties[1]} (utförare)",
                rnd.choice(emails),
                "2,5",
                *money,
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _import_call(ctx: Context, dry_run: bool) -> Callable[[], Any]:
    import_agreements = optional_import("app.imports.services", "import_agreements")
    data = _import_file(ctx, 2000, "BENCH-PREVIEW" if dry_run else "BENCH-COMMIT")

    def run():
        report = import_agreements(data, "bench.xlsx", None, dry_run=dry_run, as_of=AS_OF)
        if report.errors:
            raise RuntimeError(report.errors[0].as_text())
        db.session.commit()
        return report

    return ctx.in_app(run)


@benchmark("import_2000_rows_preview", repeat=3, optional=True)
def import_preview(ctx: Context):
    """Preview (dry run) of an .xlsx of 2 000 new agreements: read, check every row through
    the services, roll back."""
    return _import_call(ctx, dry_run=True)


@benchmark("import_2000_rows_commit", repeat=1, optional=True)
def import_commit(ctx: Context):
    """The same import committed: 2 000 agreements created (run once: a second run of the
    same file would find every row unchanged)."""
    return _import_call(ctx, dry_run=False)


# --------------------------------------------------------------------------- running


def measure(ctx: Context, bench: Bench, repeat: int | None) -> tuple[float, float, int]:
    call = bench.fn(ctx)
    if bench.repeat > 1:
        call()  # warm up (template compilation, caches); one-shot benchmarks are not repeated
    times, queries = [], []
    budget_ends = time.perf_counter() + TIME_BUDGET_S
    # A one-shot benchmark (it consumes its setup) runs once whatever --repeat says.
    for i in range(1 if bench.repeat == 1 else (repeat or bench.repeat)):
        if i >= MIN_REPEAT and time.perf_counter() > budget_ends:
            break  # a slow figure: enough samples for a median
        before = ctx.counter[0] + (ctx._small.counter[0] if ctx._small else 0)
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
        queries.append(ctx.counter[0] + (ctx._small.counter[0] if ctx._small else 0) - before)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, int(statistics.median(queries))


def run_benchmarks(ctx: Context, selected: list[Bench], repeat: int | None) -> dict[str, Any]:
    """Run and print each benchmark; returns name → (median, p95, queries) or a word."""
    results: dict[str, Any] = {}
    print(f"\n{'name':<34} {'median_ms':>10} {'p95_ms':>9} {'queries':>8}")
    for bench in selected:
        try:
            median, p95, queries = measure(ctx, bench, repeat)
        except Skip as exc:
            ctx.run_cleanups()
            print(f"{bench.name:<34} {'skipped':>10}  ({exc})")
            results[bench.name] = "skipped"
            continue
        except Exception as exc:  # report and go on with the others
            ctx.run_cleanups()
            print(f"{bench.name:<34} {'failed':>10}  ({type(exc).__name__}: {exc})")
            results[bench.name] = "failed"
            continue
        ctx.run_cleanups()
        print(f"{bench.name:<34} {median:>10.2f} {p95:>9.2f} {queries:>8}")
        results[bench.name] = (median, p95, queries)
    return results


# --------------------------------------------------------------------------- HTTP load

#: What the load run asks for, by name: the static file is the floor.
HTTP_TARGETS = {
    "static_file_floor": "/static/css/app.css",
    "agreement_list": "/agreements/",
    "agreement_search": "/agreements/?q=norr",
    "start_page": "/",
    "finance_overview": "/finance/?year=2023",
    "api_deadlines": "/api/v1/deadlines",
}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def http_load(
    ctx: Context, seconds: float = 30, clients: int = 10, workers: int = 3
) -> dict[str, Any]:
    """gunicorn with ``workers`` workers on a free loopback port over the bench database;
    ``clients`` concurrent clients (threads, each logged in) ask each target for ``seconds``.
    Returns target → (requests/s, p50 ms, p99 ms, errors), and the workers' RSS."""
    import os
    import subprocess
    import threading

    import requests

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": ctx.database_url,
        "SECRET_KEY": "bench",
        "FLASK_SESSION_COOKIE_SECURE": "false",
        "FLASK_REMEMBER_COOKIE_SECURE": "false",
        "FLASK_WTF_CSRF_ENABLED": "false",
        "FLASK_RATELIMIT_ENABLED": "false",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-w", str(workers), "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: dict[str, Any] = {}
    try:
        for _ in range(200):
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")

        def session() -> requests.Session:
            s = requests.Session()
            r = s.post(
                base + "/login",
                data={"username": ctx.username, "password": PASSWORD},
                allow_redirects=False,
            )
            if r.status_code != 302:
                raise RuntimeError(f"login failed: {r.status_code}")
            s.headers["Authorization"] = f"Bearer {ctx.token}"
            return s

        sessions = [session() for _ in range(clients)]
        print(f"\nHTTP: gunicorn -w {workers}, {clients} clients, {seconds:g} s per target")
        print(f"{'target':<22} {'req/s':>8} {'p50_ms':>9} {'p99_ms':>9} {'errors':>7}")
        for name, path in HTTP_TARGETS.items():
            latencies: list[float] = []
            errors = [0]
            ends = time.perf_counter() + seconds

            def client(
                s: requests.Session,
                path: str = path,
                ends: float = ends,
                latencies: list[float] = latencies,
                errors: list[int] = errors,
            ) -> None:
                while time.perf_counter() < ends:
                    started = time.perf_counter()
                    try:
                        ok = s.get(base + path, timeout=60).status_code == 200
                    except requests.RequestException:
                        ok = False
                    latencies.append((time.perf_counter() - started) * 1000)
                    if not ok:
                        errors[0] += 1

            threads = [threading.Thread(target=client, args=(s,)) for s in sessions]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
            latencies.sort()
            p50 = latencies[len(latencies) // 2] if latencies else float("nan")
            p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else 0
            rps = len(latencies) / elapsed
            results[name] = (rps, p50, p99, errors[0])
            print(f"{name:<22} {rps:>8.1f} {p50:>9.1f} {p99:>9.1f} {errors[0]:>7}")
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
        pids = [int(p) for p in children.read_text().split()] if children.exists() else []
        rss = [r for r in (_rss_mb(p) for p in pids) if r is not None]
        results["rss_mb"] = rss
        print("RSS per worker after the run: " + ", ".join(f"{r:.0f} MB" for r in rss))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return results


def _figure(value: Any) -> str:
    return f"{value[0]:.1f}" if isinstance(value, tuple) else str(value)


def print_comparison(sizes: list[int], results: dict[int, dict[str, Any]], label: str) -> None:
    """Each figure at every size, and the ratio of the last size to the first."""
    first, last = sizes[0], sizes[-1]
    head = "".join(f"{n:>12}" for n in sizes)
    print(f"\n{label:<34}{head}{'ratio':>9}")
    for name in results[first]:
        if not isinstance(results[first][name], tuple | str):
            continue  # not a figure (the workers' RSS, printed apart)
        row = "".join(f"{_figure(results[n].get(name)):>12}" for n in sizes)
        a, b = results[first].get(name), results[last].get(name)
        ratio = (
            f"×{b[0] / a[0]:.2f}" if isinstance(a, tuple) and isinstance(b, tuple) and a[0] else ""
        )
        print(f"{name:<34}{row}{ratio:>9}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agreements", type=int, default=10_000)
    parser.add_argument("--database-url", default=None, help="default: SQLite file in bench/out/")
    parser.add_argument("--reset", action="store_true", help="drop and re-create all tables first")
    parser.add_argument("--only", action="append", default=[], metavar="NAME")
    parser.add_argument("--repeat", type=int, default=None, help="override each repetition count")
    parser.add_argument("--list", action="store_true", help="list the benchmark names")
    parser.add_argument(
        "--compare",
        type=int,
        nargs="+",
        metavar="N",
        help="fill each size in turn on the same database server (re-created for each) and "
        "print every figure at each size with the ratio of the last to the first",
    )
    parser.add_argument(
        "--http", action="store_true", help="also run the HTTP load run (gunicorn -w 3)"
    )
    parser.add_argument("--http-only", action="store_true", help="only the HTTP load run")
    parser.add_argument(
        "--without-amendments",
        action="store_true",
        help="fill without the tilläggsavtal on every fifth agreement (the baseline they are "
        "compared with)",
    )
    parser.add_argument("--http-seconds", type=float, default=30.0)
    parser.add_argument("--http-clients", type=int, default=10)
    args = parser.parse_args(argv)
    if args.list:
        for name, bench in BENCHMARKS.items():
            print(name + ("  (optional)" if bench.optional else ""))
        return 0
    unknown = [name for name in args.only if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; see --list")
    selected = [BENCHMARKS[n] for n in (args.only or BENCHMARKS)]
    sizes = args.compare or [args.agreements]
    figures: dict[int, dict[str, Any]] = {}
    loads: dict[int, dict[str, Any]] = {}
    for n in sizes:
        reset = args.reset or (bool(args.compare) and args.database_url is not None)
        ctx = prepare(n, args.database_url, reset=reset, amended=not args.without_amendments)
        if not args.http_only:
            figures[n] = run_benchmarks(ctx, selected, args.repeat)
        if args.http or args.http_only:
            loads[n] = http_load(ctx, args.http_seconds, args.http_clients)
        for c in (ctx, ctx._small):
            if c is not None:
                with c.app.app_context():
                    db.session.remove()
                    db.engine.dispose()
    if len(sizes) > 1:
        if figures:
            print_comparison(sizes, figures, "median_ms")
        if loads:
            print_comparison(sizes, loads, "requests/s")
            for n in sizes:
                rss = loads[n].get("rss_mb") or []
                print(f"RSS per worker at {n}: " + ", ".join(f"{r:.0f} MB" for r in rss))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
