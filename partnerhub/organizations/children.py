"""An organization creates its child accounts: one from a form or the API, or many from a CSV
file read into a preview first.

A child is managed by the organization from the start (source *Created by the organization*,
level Full access) and has no owner until the person named as its owner accepts the
ownership invitation: nobody is attached to an account without their own action. The owner
can take access back later like any customer."""

import csv
import io
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import ValidationError as PydanticValidationError

from partnerhub.access.levels import AccessLevel
from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.clients.models import BillingStatus, ClientAccount, PartnershipKind, PlanType
from partnerhub.core.errors import Conflict, InvalidTransition
from partnerhub.core.text import Line
from partnerhub.invitations.services import account_owner_invitation_create
from partnerhub.onboarding.tasks import account_changed as onboarding_account_changed
from partnerhub.organizations.models import AccountGroup
from partnerhub.organizations.services import (
    account_group_set,
    account_tags_add,
    tag_names,
)
from partnerhub.partners.models import Partner
from partnerhub.partnerships.models import PartnershipSource
from partnerhub.partnerships.services import partnership_credit

User = get_user_model()

LOGIN_NAME = re.compile(r"^[A-Za-z0-9\-_@.+]{6,50}$")
LOGIN_NAME_RULE = "6 to 50 characters, only letters, digits and - _ @ . +"
# A file of locations: at most this many rows and bytes.
CSV_ROWS_MAX = 1000
CSV_BYTES_MAX = 512 * 1024
CSV_REQUIRED = ["location_name", "owner_name", "owner_email", "login_name"]
CSV_OPTIONAL = ["plan", "group", "tags"]
CSV_COLUMNS = CSV_REQUIRED + CSV_OPTIONAL


class ChildAccountIn(BaseModel):
    """One child account to create, as the form, a CSV row and the API give it."""

    model_config = ConfigDict(extra="forbid")

    location_name: Line(200)
    owner_name: Line(200)
    owner_email: Line(254)
    login_name: Line(50)
    plan: PlanType = PlanType.TRIAL
    tags: list[str] = []

    @field_validator("owner_email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = User.objects.normalize_email(value).strip().lower()
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError("is not a valid e-mail address") from None
        return value

    @field_validator("login_name")
    @classmethod
    def _login(cls, value: str) -> str:
        if not LOGIN_NAME.match(value):
            raise ValueError(LOGIN_NAME_RULE)
        return value

    @field_validator("plan", mode="before")
    @classmethod
    def _plan(cls, value):
        if isinstance(value, str):
            value = value.strip().upper() or PlanType.TRIAL
        return value

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value):
        try:
            return tag_names(value)
        except InvalidTransition as error:
            raise ValueError(error.message) from None


def field_errors(error: PydanticValidationError) -> list[tuple[str, str]]:
    """(field, phrase) for each problem of a refused ``ChildAccountIn``."""
    out = []
    for item in error.errors():
        where = str(item["loc"][0]) if item["loc"] else ""
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "enum":
            message = "must be one of " + ", ".join(PlanType.values)
        elif item["type"] == "missing":
            message = "is required"
        out.append((where, message))
    return out


def login_name_taken(login_name: str) -> bool:
    return ClientAccount.objects.filter(login_name__iexact=login_name).exists()


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.partition(" ")
    return first[:150], last.strip()[:150]


def _create_one(
    *, partner: Partner, data: ChildAccountIn, group: AccountGroup | None, actor, now
) -> ClientAccount:
    if login_name_taken(data.login_name):
        raise Conflict(
            f"the login name {data.login_name} is already in use", code="login_name_taken"
        )
    paid = data.plan != PlanType.TRIAL
    try:
        with transaction.atomic():
            account = ClientAccount.objects.create(
                organization_name=data.location_name,
                owner_name=data.owner_name,
                login_name=data.login_name,
                contact_email=data.owner_email,
                owner=None,
                plan_type=data.plan,
                billing_status=BillingStatus.OPEN if paid else BillingStatus.TRIAL,
                signed_up_at=now,
                converted_at=now if paid else None,
            )
    except IntegrityError:
        raise Conflict(
            f"the login name {data.login_name} is already in use", code="login_name_taken"
        ) from None
    audit_record(
        actor=actor,
        action=events.ACCOUNT_CREATED,
        target=account,
        partner=partner,
        account=account,
        after={
            "login_name": data.login_name,
            "created_through": "organization",
            "plan": data.plan,
        },
        at=now,
    )
    partnership_credit(
        partner=partner,
        account=account,
        source=PartnershipSource.ORGANIZATION_CHILD,
        moved_on=now.date(),
        kind=PartnershipKind.MANAGED,
        level=AccessLevel.FULL,
        actor=actor,
        at=now,
    )
    if group is not None:
        account_group_set(partner=partner, account=account, group=group, actor=actor)
    if data.tags:
        account_tags_add(partner=partner, account_ids=[account.pk], names=data.tags, actor=actor)
    first, last = _split_name(data.owner_name)
    account_owner_invitation_create(
        actor=actor,
        partner=partner,
        account=account,
        email=data.owner_email,
        first_name=first,
        last_name=last,
    )
    account.refresh_from_db()
    # The organization's checklist applies from today: the steps PartnerHub checks itself
    # (a plan already chosen) are ticked once the account is committed.
    onboarding_account_changed(account)
    return account


def _organization_check(partner: Partner, group: AccountGroup | None) -> None:
    if not partner.is_organization:
        raise InvalidTransition(
            "only an organization creates child accounts", code="not_an_organization"
        )
    if group is not None and group.partner_id != partner.pk:
        raise InvalidTransition("no such group", code="group_not_found")


@transaction.atomic
def child_account_create(
    *, partner: Partner, data: ChildAccountIn, group: AccountGroup | None = None, actor=None
) -> ClientAccount:
    """One child account of the organization ``partner``, managed by it from today, its
    owner invited to take ownership."""
    _organization_check(partner, group)
    return _create_one(partner=partner, data=data, group=group, actor=actor, now=timezone.now())


@transaction.atomic
def children_create(
    *, partner: Partner, rows: list["PreviewRow"], actor=None
) -> list[ClientAccount]:
    """The valid rows of a previewed file, all in one transaction: every one is created, or
    (a login name taken since the preview) none is."""
    now = timezone.now()
    made = []
    for row in rows:
        if row.errors or row.data is None:
            continue
        _organization_check(partner, row.group)
        made.append(
            _create_one(partner=partner, data=row.data, group=row.group, actor=actor, now=now)
        )
    return made


# --- The CSV file -------------------------------------------------------------------------


@dataclass
class PreviewRow:
    line: int
    values: dict[str, str]
    data: ChildAccountIn | None = None
    group: AccountGroup | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Preview:
    rows: list[PreviewRow] = field(default_factory=list)
    # Problems with the whole file (unreadable, wrong header, too many rows): no rows then.
    file_errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.ok]

    @property
    def invalid(self) -> list[PreviewRow]:
        return [r for r in self.rows if not r.ok]


def _groups_by_path(partner: Partner) -> dict[str, AccountGroup]:
    groups = {}
    for group in AccountGroup.objects.filter(partner=partner).select_related("parent"):
        groups[group.path.lower()] = group
        if group.parent_id:
            groups[f"{group.parent.name} / {group.name}".lower()] = group
    return groups


def _normalized_path(value: str) -> str:
    parts = re.split(r"\s*(?:›|/|>)\s*", value.strip())
    return " › ".join(" ".join(p.split()) for p in parts if p).lower()


def locations_csv_read(*, partner: Partner, content: bytes) -> Preview:
    """Read a file of locations into a preview: every row checked (its fields, its group,
    its login name against the file's other rows and the accounts that exist), nothing
    written."""
    preview = Preview()
    if len(content) > CSV_BYTES_MAX:
        preview.file_errors.append(
            f"The file is larger than {CSV_BYTES_MAX // 1024} KB; split it into smaller files."
        )
        return preview
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        preview.file_errors.append("The file is not UTF-8 text; save it as CSV UTF-8.")
        return preview
    if "\x00" in text:
        preview.file_errors.append("The file holds a NUL character; it is not a CSV file.")
        return preview
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        preview.file_errors.append(f"Line 1 is not readable CSV: {exc}.")
        return preview
    if header is None:
        preview.file_errors.append("The file is empty; the first line must be the header.")
        return preview
    header = [h.strip().lower() for h in header]
    missing = [c for c in CSV_REQUIRED if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if missing or unknown or repeated:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if unknown:
            parts.append("unknown " + ", ".join(repr(c[:40]) for c in unknown))
        if repeated:
            parts.append("repeated " + ", ".join(repeated))
        preview.file_errors.append(
            f"Line 1 (the header): {'; '.join(parts)}. Expected the columns "
            f"{','.join(CSV_COLUMNS)} (plan, group and tags may be left out)."
        )
        return preview
    groups = _groups_by_path(partner)
    seen: dict[str, int] = {}
    line = 1
    try:
        for raw in reader:
            line, start = reader.line_num, line + 1
            if not any(cell.strip() for cell in raw):
                continue
            if len(preview.rows) >= CSV_ROWS_MAX:
                preview.rows = []
                preview.file_errors.append(
                    f"The file has more than {CSV_ROWS_MAX:,} rows; split it into smaller files."
                )
                return preview
            values = {
                c: (raw[header.index(c)] if header.index(c) < len(raw) else "") for c in header
            }
            row = PreviewRow(line=start, values=values)
            preview.rows.append(row)
            if len(raw) != len(header):
                row.errors.append(("", f"has {len(raw)} fields, expected {len(header)}"))
                continue
            _check_row(row, groups=groups, seen=seen)
    except csv.Error as exc:
        preview.rows = []
        preview.file_errors.append(f"Line {reader.line_num} is not readable CSV: {exc}.")
        return preview
    if not preview.rows:
        preview.file_errors.append("The file has a header but no rows.")
    _check_taken(preview)
    return preview


def _check_row(row: PreviewRow, *, groups: dict, seen: dict[str, int]) -> None:
    values = row.values
    try:
        row.data = ChildAccountIn(
            location_name=values["location_name"],
            owner_name=values["owner_name"],
            owner_email=values["owner_email"],
            login_name=values["login_name"],
            plan=values.get("plan", ""),
            tags=values.get("tags", ""),
        )
    except PydanticValidationError as error:
        row.errors.extend(field_errors(error))
    path = values.get("group", "").strip()
    if path:
        row.group = groups.get(_normalized_path(path))
        if row.group is None:
            row.errors.append(("group", f"there is no group called {path[:60]!r}"))
    login = values["login_name"].strip().lower()
    if login:
        if login in seen:
            row.errors.append(("login_name", f"is also on line {seen[login]} of this file"))
        else:
            seen[login] = row.line
    if row.errors:
        row.data = None


def _check_taken(preview: Preview) -> None:
    """Login names that an account already has (names that differ only in case are the same
    login name), in one query for the whole file."""
    logins = {r.data.login_name.lower(): r for r in preview.rows if r.data is not None}
    if not logins:
        return
    taken = set(
        ClientAccount.objects.annotate(login=Lower("login_name"))
        .filter(login__in=list(logins))
        .values_list("login", flat=True)
    )
    for login in taken:
        row = logins[login]
        row.errors.append(("login_name", "is already in use by another account"))
        row.data = None
