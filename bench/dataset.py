"""The benchmark program: one large partner among a million client accounts.

A fixture, loaded straight into the tables (not through the services): 1,000,000 client
accounts, 100,000 of them credited to one partner (every tenth account, so its rows are spread
over the table as sign-ups over years would spread them), most of the rest spread over 900
other partners of very different sizes, some not partnered at all; a partnership, its kind
changes and the manage requests of every credited account, as the services would have written
them. Deterministic: the same rows every time.

Two sizes (``--accounts``): 1,000,000 accounts (the partner holds 100,000) and 100,000 (the
partner holds 10,000), each in a database of its own. A database is cached between runs and
rebuilt only when its contents do not match (the builder's fingerprint: ``DATASET_VERSION`` and
a digest of this module's source, so any change to the builder rebuilds; and the row counts),
or when asked to.

On PostgreSQL the load commits with ``synchronous_commit`` off, but the tables are then made
to look as tables at rest do: the setting is restored, the commit is flushed, and only then
``VACUUM (ANALYZE)`` runs, so that the visibility map is set (a VACUUM right after an
unflushed asynchronous commit leaves it unset and every count reads the heap). The share of
all-visible pages is checked and printed.
"""

import datetime as dt
import hashlib
import itertools
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from bench.engines import MAIN_SIZE, Engine, prepare

DATASET_VERSION = 2
TOTAL_ACCOUNTS = MAIN_SIZE
BIG_PARTNER_EVERY = 10  # every tenth account belongs to the big partner
OTHER_PARTNERS = 900
UNPARTNERED_SHARE = 0.055  # of the accounts not in the big partner
BATCH = 50_000

BIG_PARTNER_NAME = "Northwind Marketing Group"
BIG_PARTNER_CODE = f"bench-main-v{DATASET_VERSION}"


def fingerprint(accounts: int) -> str:
    """What the cached database must carry to be reused: the version, the size and a digest
    of the builder's source."""
    with open(__file__, "rb") as source:
        digest = hashlib.sha256(source.read()).hexdigest()[:16]
    return f"bench-v{DATASET_VERSION}-{accounts}-{digest}"


BENCH_USERNAME = "morgan.reyes@northwind-marketing.example"

# The tables this module fills in bulk; their secondary indexes are built after the load.
BULK_TABLES = (
    "clients_clientaccount",
    "partnerships_partneraccountcount",
    "partnerships_partnership",
    "partnerships_partnershipkindchange",
    "access_managerequest",
)


@dataclass(frozen=True)
class Dataset:
    partner_id: int
    user_id: int
    username: str
    accounts: int
    partner_accounts: int


# --- Words -----------------------------------------------------------------------------------


def _split(words: str) -> list[str]:
    return [w.strip() for w in words.split(",") if w.strip()]


def _words():
    from partnerhub.demo import data as demo

    first = demo.FIRST + _split(
        """Maya, Leo, Isla, Arjun, Freya, Tomás, Yara, Finn, Sana, Jasper, Lucía, Ravi, Elena,
        Kofi, Ingrid, Mei, Tariq, Clara, Anders, Nadia, Rohan, Eva, Malik, Sofia, Bruno, Hana,
        Caleb, Rosa, Dmitri, Ines"""
    )
    last = demo.LAST + _split(
        """Andersson, Costa, Jensen, Mensah, Wong, Ivanova, Haddad, Kim, Ortega, Byrne, Yamamoto,
        Horvat, Sørensen, Abara, Dimitrov, Castillo, Nakamura, Oliveira, Petrov, Quinn, Rahman,
        Stewart, Varga, Weber, Zhou, Lopez, Mwangi, Eriksen, Fontaine, Gallagher, Hoffmann,
        Iqbal"""
    )
    places = demo.PLACES + _split(
        """Red Rock, Greenfield, Eastside, Brookhaven, Ironwood, Clearwater, Ashford, Highland,
        Stonebridge, Kingsway, Marigold, Oceanview, Hillcrest, Redwood, Fairview, Golden Gate,
        Windmill, Lighthouse, Orchard, Riverbend, Sunflower, Thornbury, Valley, Westwood, Aspen,
        Birchwood, Coral Bay, Driftwood, Evergreen, Falcon Ridge, Glenwood, Heron Point,
        Larkspur, Moonstone, Northfield, Prairie"""
    )
    trades = demo.TRADES + _split(
        """Catering, Barbershop, Climbing Gym, Ceramics, Daycare, Print Shop, Optometry,
        Accounting, Tattoo Studio, Toy Store, Roofing, Tea House, Dance Academy, Boutique,
        Cleaning Services, Martial Arts, Nail Salon, Physiotherapy, Record Store, Surf School,
        Bistro, Hardware, Kennels, Language School, Outfitters"""
    )
    suffixes = ["LLC", "Inc.", "Co.", "Group", "& Co.", "Ltd", "Studio", "Collective"]
    return first, last, places, trades, suffixes, demo.STATUS_MIX


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


# --- Generation ------------------------------------------------------------------------------

ACCOUNT_COLUMNS = (
    "id", "encoded_account_id", "organization_name", "owner_name", "login_name",
    "contact_email", "owner_id", "contact_count", "plan_type", "billing_status",
    "disabled_reason", "single_bill", "currency", "signed_up_at", "converted_at",
    "last_login_at", "partner_id", "partnership_kind", "partnered_on", "access_level",
)  # fmt: skip
PARTNERSHIP_COLUMNS = (
    "id", "partner_id", "account_id", "kind", "moved_on", "source", "created_at", "ended_at",
    "access_level",
)  # fmt: skip
# The levels managed accounts were granted, and how often.
ACCESS_LEVEL_MIX = (("full", 80), ("marketing", 12), ("reports", 8))
KIND_CHANGE_COLUMNS = ("id", "partnership_id", "kind", "effective_at", "cause", "actor_id")
REQUEST_COLUMNS = (
    "id", "account_id", "partnership_id", "partner_id", "requested_by_id", "message", "status",
    "created_at", "expires_at", "decided_at", "decided_by_id",
)  # fmt: skip

REQUEST_MESSAGES = [
    "",
    "",
    "Following our call: we'd like to run your newsletter for you.",
    "As discussed, we will take over the spring campaign.",
    "Could we manage your automations and monthly reporting?",
    "We'd like to clean up your lists and set up the welcome series.",
]


@dataclass
class Batch:
    accounts: list[tuple]
    partnerships: list[tuple]
    kind_changes: list[tuple]
    requests: list[tuple]


class Generator:
    """Produces the rows of the bulk tables, batch by batch, deterministically."""

    def __init__(
        self,
        *,
        today: dt.date,
        big_partner: tuple[int, dt.date, int],
        other_partners: list[tuple[int, dt.date, int]],
        ts_suffix: str,
    ):
        self.rng = random.Random(20260201)
        first, last, places, trades, suffixes, status_mix = _words()
        self.first, self.last, self.places, self.trades, self.suffixes = (
            first, last, places, trades, suffixes,
        )  # fmt: skip
        self.slugs = {w: _slug(w) for w in itertools.chain(first, last, places, trades)}
        self.statuses = [s for s, _ in status_mix]
        self.status_weights = [w for _, w in status_mix]
        self.levels = [level for level, _ in ACCESS_LEVEL_MIX]
        self.level_weights = [w for _, w in ACCESS_LEVEL_MIX]
        # Calendar: day 0 is ``origin``; every date and time is an index into these strings.
        self.span = 3650
        self.origin = today - dt.timedelta(days=self.span)
        self.today_index = self.span
        self.days = [
            (self.origin + dt.timedelta(days=i)).isoformat() for i in range(self.span + 60)
        ]
        self.clock = [
            f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in (0, 17, 41)
        ]
        self.ts_suffix = ts_suffix
        self.big = big_partner
        self.others = other_partners
        # Partner sizes follow a long tail: a few partners with thousands, most with dozens.
        weights = [1 / (k + 5) ** 0.9 for k in range(len(other_partners))]
        self.other_cum = list(itertools.accumulate(weights))
        self.partnership_id = 0
        self.kind_change_id = 0
        self.request_id = 0

    def _ts(self, day: int, *, early: bool = False) -> str:
        rng = self.rng
        clock = self.clock[rng.randrange(8 * 180, 19 * 180)] if not early else "09:30:00"
        return f"{self.days[day]} {clock}{self.ts_suffix}"

    def _day(self, date: dt.date) -> int:
        return (date - self.origin).days

    def _organization(self) -> tuple[str, str]:
        rng = self.rng
        r = rng.random()
        place, trade, last = rng.choice(self.places), rng.choice(self.trades), rng.choice(self.last)
        s = self.slugs
        if r < 0.55:
            return f"{place} {trade}", s[place] + s[trade]
        if r < 0.75:
            return f"{last} {trade}", s[last] + s[trade]
        if r < 0.9:
            return f"{place} {trade} {rng.choice(self.suffixes)}", s[place] + s[trade]
        other = rng.choice(self.last)
        return f"{last} & {other} {trade}", s[last] + s[other]

    def batch(self, start: int, stop: int) -> Batch:
        """Accounts with ids ``start`` .. ``stop - 1`` and everything that hangs off them."""
        rng = self.rng
        n = stop - start
        statuses = rng.choices(self.statuses, weights=self.status_weights, k=n)
        others = rng.choices(self.others, cum_weights=self.other_cum, k=n)
        out = Batch([], [], [], [])
        accounts = out.accounts
        today = self.today_index
        days = self.days
        sfx = self.ts_suffix
        for offset, account_id in enumerate(range(start, stop)):
            status = statuses[offset]
            organization, org_slug = self._organization()
            first, last = rng.choice(self.first), rng.choice(self.last)
            if rng.random() < 0.7:
                login = f"{org_slug[:18]}{account_id}"
            else:
                login = f"{self.slugs[first]}{self.slugs[last][:8]}{account_id}"
            email = f"{self.slugs[first]}.{self.slugs[last]}@{org_slug[:24]}.example"

            if status == "trial_active":
                signed_up = today - rng.randint(1, 28)
            else:
                signed_up = rng.randint(0, today - 20)
            converted = None
            plan, billing, disabled, single_bill = "TRIAL", "Trial", "", False
            if status == "trial_expired":
                billing = "Trial End"
            elif status != "trial_active":
                converted = min(signed_up + rng.randint(3, 45), today)
                plan = rng.choice(("BRONZE", "BRONZE", "SILVER", "GOLD"))
                billing = "Open"
                if status == "cancelled":
                    billing = "Canceled"
                elif status == "disabled_compliance":
                    disabled = "compliance"
                elif status == "disabled_balance_due":
                    disabled = "balance_due"
                elif status == "single_bill":
                    single_bill = True
            last_login = None
            if rng.random() > 0.06:
                ago = rng.randint(0, 40) if billing in ("Open", "Trial") else rng.randint(60, 400)
                last_login = max(today - ago, signed_up)
            currency = rng.choices(("USD", "EUR", "GBP", "CAD", "AUD"), (80, 9, 6, 3, 2))[0]

            if account_id % BIG_PARTNER_EVERY == 0:
                partner = self.big
                managed_share = 0.35
            elif rng.random() < UNPARTNERED_SHARE:
                partner = None
            else:
                partner = others[offset]
                managed_share = 0.28
            kind, moved_on, level = "", None, ""
            if partner is not None:
                partner_id, deployed_on, requester_id = partner
                lo = max(signed_up, self._day(deployed_on))
                moved = rng.randint(min(lo, today), today)
                moved_on = days[moved]
                kind = "managed" if rng.random() < managed_share else "referred"
                if kind == "managed":
                    level = rng.choices(self.levels, weights=self.level_weights)[0]
                self._partnership(account_id, partner_id, requester_id, kind, level, moved, out)

            accounts.append((
                account_id,
                f"{(account_id * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF:016x}",
                organization,
                f"{first} {last}",
                login,
                email,
                None,
                int(rng.lognormvariate(6.2, 1.1)),
                plan,
                billing,
                disabled,
                single_bill,
                currency,
                self._ts(signed_up),
                self._ts(converted) if converted is not None else None,
                f"{days[last_login]} {self.clock[rng.randrange(len(self.clock))]}{sfx}"
                if last_login is not None
                else None,
                partner[0] if partner is not None else None,
                kind,
                moved_on,
                level,
            ))  # fmt: skip
        return out

    def _partnership(
        self, account_id, partner_id, requester_id, kind, level, moved, out: Batch
    ) -> None:
        partnerships, kind_changes, requests = out.partnerships, out.kind_changes, out.requests
        rng = self.rng
        today = self.today_index
        self.partnership_id += 1
        pid = self.partnership_id
        credited_at = self._ts(moved, early=True)
        r = rng.random()
        if kind == "managed":
            sources, cuts = ("created_by_partner", "approved_move", "invite_link"), (0.6, 0.8)
        else:
            sources, cuts = ("invite_link", "approved_move", "created_by_partner"), (0.55, 0.85)
        source = sources[0] if r < cuts[0] else sources[1] if r < cuts[1] else sources[2]
        partnerships.append(
            (pid, partner_id, account_id, kind, self.days[moved], source, credited_at, None, level)
        )

        def change(kind_: str, day: int, cause: str, *, early: bool = False) -> str:
            self.kind_change_id += 1
            at = self._ts(day, early=early)
            kind_changes.append((self.kind_change_id, pid, kind_, at, cause, None))
            return at

        def request(status: str, created: int, decided: int | None) -> None:
            self.request_id += 1
            created_at = self._ts(created)
            decided_at = None
            if status == "expired":
                decided_at = f"{self.days[created + 30]} 03:00:00{self.ts_suffix}"
            elif decided is not None:
                decided_at = self._ts(decided)
            requests.append((
                self.request_id, account_id, pid, partner_id, requester_id,
                rng.choice(REQUEST_MESSAGES), status, created_at,
                f"{self.days[created + 30]}{created_at[10:]}", decided_at, None,
            ))  # fmt: skip

        if kind == "managed" and source == "created_by_partner":
            change("managed", moved, "credited", early=True)
            return
        change("referred", moved, "credited", early=True)
        if kind == "managed":
            # Asked, then the customer granted full access.
            confirmed = min(moved + rng.randint(1, 120), today)
            asked = max(confirmed - rng.randint(0, 6), moved)
            request("confirmed", asked, confirmed)
            change("managed", confirmed, "access_confirmed")
            return
        r = rng.random()
        if r < 0.04 and today - moved > 40:
            # Was managed for a while, then the customer took access back.
            confirmed = moved + rng.randint(1, (today - moved) // 2)
            request("confirmed", max(confirmed - 2, moved), confirmed)
            change("managed", confirmed, "access_confirmed")
            change("referred", min(confirmed + rng.randint(5, 300), today), "access_revoked")
        elif r < 0.07 and today - moved > 40:
            created = rng.randint(moved, today - 35)
            status = rng.choice(("declined", "cancelled", "expired"))
            request(status, created, min(created + rng.randint(0, 12), today))
        if rng.random() < 0.025:
            request("pending", today - rng.randint(0, 29), None)


# --- Loading ---------------------------------------------------------------------------------


def progress_bar(console: Console, *, width: int = 34) -> Progress:
    """The progress display every data builder of the benchmarks uses."""
    return Progress(
        TextColumn(f"{{task.description:<{width}}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def secondary_indexes(connection, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of each index that is not the primary key or a constraint."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
        else:
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)",
                [table],
            )
        return list(cursor.fetchall())


def _inserter(connection) -> Callable[[str, tuple[str, ...], Iterable[tuple]], None]:
    """A function that appends rows to a table, as fast as the engine takes them."""
    raw = connection.connection
    if connection.vendor == "sqlite":

        def insert(table, columns, rows):
            cols = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            raw.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)  # noqa: S608

        return insert

    def copy(table, columns, rows):
        cols = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as out:
            for row in rows:
                out.write_row(row)

    return copy


def _small_tables(today: dt.date, rng: random.Random, accounts: int):
    """Users, partners and members, through the ORM (a few hundred rows)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from partnerhub.partners.models import Partner, PartnerMember, PartnerRole

    first, last, places, _trades, _suffixes, _ = _words()
    agency_words = _split(
        "Digital, Creative, Marketing, Media, Consulting, Partners, Growth Co., Studio, "
        "Collective, Labs, Agency, Strategies"
    )
    User = get_user_model()
    unusable = make_password(None)
    big = Partner.objects.create(
        name=BIG_PARTNER_NAME,
        deployed_on=today - dt.timedelta(days=6 * 365),
        invite_code=BIG_PARTNER_CODE,
        external_id=fingerprint(accounts),
    )
    member = User.objects.create(
        username=BENCH_USERNAME, email=BENCH_USERNAME, first_name="Morgan", last_name="Reyes",
        password=unusable,
    )  # fmt: skip
    PartnerMember.objects.create(partner=big, user=member, role=PartnerRole.OWNER)

    partners = Partner.objects.bulk_create(
        Partner(
            name=f"{rng.choice(places + last)} {rng.choice(agency_words)}",
            deployed_on=today - dt.timedelta(days=rng.randint(20, 8 * 365)),
            invite_code=f"bench-{k:04d}",
        )
        for k in range(OTHER_PARTNERS)
    )
    owners = User.objects.bulk_create(
        User(
            username=f"owner{k:04d}@partner{k:04d}.example",
            email=f"owner{k:04d}@partner{k:04d}.example",
            first_name=rng.choice(first),
            last_name=rng.choice(last),
            password=unusable,
        )
        for k in range(OTHER_PARTNERS)
    )
    if any(p.pk is None for p in partners) or any(u.pk is None for u in owners):
        partners = list(Partner.objects.filter(invite_code__startswith="bench-0").order_by("id"))
        owners = list(User.objects.filter(username__startswith="owner").order_by("id"))
    PartnerMember.objects.bulk_create(
        PartnerMember(partner=p, user=u, role=PartnerRole.OWNER)
        for p, u in zip(partners, owners, strict=True)
    )
    return (
        (big.pk, big.deployed_on, member.pk),
        [(p.pk, p.deployed_on, u.pk) for p, u in zip(partners, owners, strict=True)],
    )


def _load(console: Console, accounts: int) -> None:
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from partnerhub.access.models import ManageRequest
    from partnerhub.clients.models import ClientAccount
    from partnerhub.partnerships.counters import recount
    from partnerhub.partnerships.models import Partnership, PartnershipKindChange

    today = timezone.now().date()
    sqlite = connection.vendor == "sqlite"
    with connection.cursor() as cursor:
        if sqlite:
            cursor.execute("PRAGMA cache_size = -1048576")  # 1 GiB while loading
            cursor.execute("PRAGMA temp_store = MEMORY")
            cursor.execute("PRAGMA synchronous = OFF")
        else:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("SET synchronous_commit = off")

    with progress_bar(console) as progress, transaction.atomic():
        with connection.cursor() as cursor:
            if not sqlite:
                # The rows are consistent by construction: skip the per-row foreign-key triggers.
                cursor.execute("SET LOCAL session_replication_role = replica")
        big, others = _small_tables(today, random.Random(7), accounts)
        indexes = [ix for table in BULK_TABLES for ix in secondary_indexes(connection, table)]
        with connection.cursor() as cursor:
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')

        generator = Generator(
            today=today, big_partner=big, other_partners=others, ts_suffix="" if sqlite else "+00"
        )
        insert = _inserter(connection)
        rows = progress.add_task("Client accounts", total=accounts)
        counts = {"partnerships": 0, "kind changes": 0, "manage requests": 0}
        for start in range(1, accounts + 1, BATCH):
            batch = generator.batch(start, min(start + BATCH, accounts + 1))
            insert("clients_clientaccount", ACCOUNT_COLUMNS, batch.accounts)
            insert("partnerships_partnership", PARTNERSHIP_COLUMNS, batch.partnerships)
            insert("partnerships_partnershipkindchange", KIND_CHANGE_COLUMNS, batch.kind_changes)
            insert("access_managerequest", REQUEST_COLUMNS, batch.requests)
            counts["partnerships"] += len(batch.partnerships)
            counts["kind changes"] += len(batch.kind_changes)
            counts["manage requests"] += len(batch.requests)
            progress.advance(rows, len(batch.accounts))

        built = progress.add_task("Indexes", total=len(indexes))
        with connection.cursor() as cursor:
            for name, statement in indexes:
                progress.update(built, description=f"Index {name[:28]}")
                cursor.execute(statement)
                progress.advance(built)
            progress.update(built, description="Indexes")
            recount()  # the partners' account counters, as the services would have kept them
            if not sqlite:
                models = [ClientAccount, Partnership, PartnershipKindChange, ManageRequest]
                for statement in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(statement)
    console.print(
        "Loaded "
        + ", ".join(f"{n:,} {what}" for what, n in {"accounts": accounts, **counts}.items())
    )
    analyze(console)


def analyze(console: Console, tables: tuple[str, ...] = BULK_TABLES) -> None:
    """Refresh the planner's statistics (and, on PostgreSQL, the visibility map, as autovacuum
    would have done on a table at rest)."""
    from django.db import connection

    with progress_bar(console) as progress, connection.cursor() as cursor:
        task = progress.add_task("ANALYZE", total=None)
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            settle_postgres(cursor, tables)
        progress.update(task, total=1, completed=1)
    if connection.vendor == "postgresql":
        console.print(f"All-visible pages after VACUUM: {all_visible_text(tables)}")


def settle_postgres(cursor, tables: tuple[str, ...]) -> None:
    """VACUUM (ANALYZE) after a load that committed asynchronously: restore synchronous
    commits, flush the WAL with one synchronous commit of a transaction id, then vacuum; a
    table whose visibility map is still mostly unset is vacuumed once more."""
    cursor.execute("RESET synchronous_commit")
    cursor.execute("SELECT txid_current()")  # commits synchronously: flushes the load's WAL
    cursor.execute("VACUUM (ANALYZE)")
    for table, share in all_visible(tables).items():
        if share < 0.95:
            cursor.execute(f'VACUUM (ANALYZE) "{table}"')


def all_visible(tables: tuple[str, ...]) -> dict[str, float]:
    """Share of each table's pages the visibility map marks all-visible (index-only scans
    read the heap for the others)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relallvisible, relpages FROM pg_class "
            "WHERE relname = ANY(%s) AND relkind = 'r'",
            [list(tables)],
        )
        return {name: (visible / pages if pages else 1.0) for name, visible, pages in cursor}


def all_visible_text(tables: tuple[str, ...] = BULK_TABLES) -> str:
    return ", ".join(f"{name} {share:.0%}" for name, share in sorted(all_visible(tables).items()))


# --- Entry point -----------------------------------------------------------------------------


def _pending_migrations() -> bool:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


# Benchmarks that add a small program of their own to the cached database (``bench.bulk_requests``,
# ``bench.rollup``) name their accounts' logins so: the cached program is counted without them,
# and stays cached after they run.
SIDE_PROGRAM_LOGINS = ("bulkclient", "rollupbench")


def _side_programs():
    from django.db.models import Q

    side = Q()
    for prefix in SIDE_PROGRAM_LOGINS:
        side |= Q(login_name__startswith=prefix)
    return side


def _current(accounts: int) -> Dataset | None:
    from partnerhub.clients.models import ClientAccount
    from partnerhub.partners.models import Partner, PartnerMember

    big = Partner.objects.filter(
        invite_code=BIG_PARTNER_CODE, external_id=fingerprint(accounts)
    ).first()
    if big is None:
        return None
    member = (
        PartnerMember.objects.filter(partner=big, user__username=BENCH_USERNAME)
        .select_related("user")
        .first()
    )
    total = ClientAccount.objects.exclude(_side_programs()).count()
    mine = ClientAccount.objects.filter(partner=big).count()
    if member is None or total != accounts or mine != accounts // BIG_PARTNER_EVERY:
        return None
    return Dataset(big.pk, member.user_id, BENCH_USERNAME, total, mine)


def _is_empty() -> bool:
    from partnerhub.clients.models import ClientAccount
    from partnerhub.partners.models import Partner

    return not Partner.objects.exists() and not ClientAccount.objects.exists()


_ready: Dataset | None = None


def activate(engine: Engine) -> None:
    """Point Django's default connection at ``engine``'s database."""
    from django.db import connection

    if connection.settings_dict["NAME"] != engine.database_name:
        connection.close()
        connection.settings_dict["NAME"] = engine.database_name


def ensure(
    engine: Engine, console: Console, *, rebuild: bool = False, accounts: int = TOTAL_ACCOUNTS
) -> Dataset:
    """The benchmark program of ``accounts`` accounts in its own database on ``engine``,
    migrated, loaded and analysed; Django's default connection is left pointing at it."""
    global _ready
    sized = engine.sized(accounts)
    if _ready is not None and not rebuild and _ready.accounts == accounts:
        activate(sized)
        return _ready
    from django.db import connection

    connection.close()
    prepare(sized, rebuild=rebuild)
    activate(sized)
    pending = _pending_migrations()
    _migrate()
    dataset = _current(accounts)
    if dataset is None:
        if not _is_empty():
            console.print("[yellow]The cached bench database does not match; rebuilding it.[/]")
            connection.close()
            prepare(sized, rebuild=True)
            _migrate()
        console.print(
            f"Building the benchmark program ({accounts:,} accounts) on {engine.label} "
            "(cached afterwards)…"
        )
        _load(console, accounts)
        dataset = _current(accounts)
        if dataset is None:
            raise RuntimeError("the benchmark program did not load as expected")
    elif pending:
        console.print("New migrations were applied to the cached database; analysing again.")
        analyze(console)
    _ready = dataset
    return dataset
