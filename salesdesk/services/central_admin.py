"""The logins of the central database as an office admin manages them from SalesDesk
(the "Logins…" dialog of the Sync page): list them, add one, change one's role, password,
user account, territories and customer assignments.

Built on salesdesk.sync.central (lookup_keys, add_user; list_users, missing_keys,
update_user). The admin works with their own login, the one this device synchronises
with: PostgreSQL decides, so it must be an admin login, and one PostgreSQL lets create and
change roles (CREATEROLE, with ADMIN OPTION on the SalesDesk group roles). Every call
goes over the network: never on the GUI thread. Problems name the login, the field and
the problem; a password is never part of a message or a log line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.i18n import _
from salesdesk.store.engine import dbapi
from salesdesk.sync import central
from salesdesk.sync.central import CentralError, NotAdmin, UnknownLogin, UserResult

__all__ = ["CentralError", "LocalChoice", "Login", "NotAdmin", "ROLES", "connected_login",
           "customers_problem", "explain", "field_label", "list_logins", "local_territories",
           "local_user_accounts", "login_problem", "parse_customers", "role_label",
           "save_login"]

ROLES = central.ROLES  # rep, office, admin
FIELDS = ("login", "role", "password", "user_account", "territories", "customers")
_INSUFFICIENT_PRIVILEGE = "42501"


def role_label(role: str) -> str:
    """A role in words: "Sales representative", "Office", "Administrator"."""
    return {"rep": _("Sales representative"), "office": _("Office"),
            "admin": _("Administrator")}.get(role, role)


def field_label(field: str) -> str:
    return {"login": _("Login"), "role": _("Login role"), "password": _("Password"),
            "user_account": _("User account"), "territories": _("Territories"),
            "customers": _("Customers")}[field]


@dataclass(frozen=True)
class Login:
    """A row of the admin screen."""

    login: str
    role: str
    user_account: str | None  # the login of its SalesDesk user account
    user_account_name: str  # its display name ("" without an account)
    territories: tuple[str, ...]  # codes
    customers: tuple[str, ...]  # numbers

    @property
    def role_label(self) -> str:
        return role_label(self.role)


def list_logins(url: str) -> list[Login]:
    """The logins of the central database, by login. NotAdmin ("Only admin logins may
    manage logins: …") when ``url``'s login is not an admin login."""
    return [Login(user.login, user.role, user.user_account, user.user_account_name or "",
                  user.territories, user.customers) for user in central.list_users(url)]


def connected_login(url: str) -> str:
    """The login a URL connects with ("" when it names none)."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        return str(conninfo_to_dict(url).get("user") or "")
    except Exception:  # noqa: BLE001  (an unreadable URL is reported when connecting)
        return ""


# -- checks while typing ----------------------------------------------------------------

def login_problem(login: str) -> str:
    """What is wrong with a new login's name ("" when nothing): lower-case, not reserved."""
    try:
        central.check_login(login)
    except CentralError as error:
        return str(error)
    return ""


_SEPARATORS = re.compile(r"[,;\s]+")


def parse_customers(text: str) -> list[str]:
    """Customer numbers typed as "K-000001, K-000002" (commas, semicolons or spaces)."""
    return list(dict.fromkeys(part for part in _SEPARATORS.split(text or "") if part))


# -- saving -----------------------------------------------------------------------------

def _error(login: str, field: str, message: str) -> FieldError:
    return FieldError(_("Login {login}").format(login=login), field_label(field), message,
                      key=field)


def _missing_errors(login: str, missing: dict[str, tuple[str, ...]]) -> list[FieldError]:
    texts = {
        "user_account": _("the central database has no user account {names}; synchronise "
                          "this computer first if it was made here"),
        "territories": _("the central database has no territory {names}; synchronise this "
                         "computer first if it was made here"),
        "customers": _("the central database has no customer {names}"),
    }
    return [_error(login, field, texts[field].format(names=", ".join(names)))
            for field, names in missing.items()]


def save_login(url: str, login: str, role: str, password: str | None = None, *,
               user_account: str | None = None, territories: Iterable[str] = (),
               customers: Iterable[str] = ()) -> UserResult:
    """Create a login (``password`` required) or change an existing one (``password``
    None: it keeps its password). ``user_account``: the login of a SalesDesk user account;
    ``territories`` by code; ``customers`` by number: set to exactly these.

    ValidationFailed names the login, the field and the problem (a bad name, a territory
    or customer the central database does not have); CentralError for the rest (no
    connection; "Only admin logins may manage logins" when PostgreSQL refuses)."""
    login = (login or "").strip()
    territories, customers = list(territories), list(customers)
    if problem := login_problem(login):
        raise ValidationFailed([_error(login, "login", problem)])
    if role not in ROLES:
        raise ValidationFailed([_error(login, "role", _("must be one of {roles}").format(
            roles=", ".join(role_label(r) for r in ROLES)))])
    try:
        keys = central.lookup_keys(url, user_account=user_account or None,
                                   territories=territories, customers=customers)
    except CentralError as error:
        missing = central.missing_keys(url, user_account=user_account or None,
                                       territories=territories, customers=customers)
        if missing:
            raise ValidationFailed(_missing_errors(login, missing)) from None
        raise error from None
    try:
        if password:
            return central.add_user(url, login, password, role,
                                    user_account_id=keys.user_account_id,
                                    territories=keys.territories, customers=keys.customers)
        return central.update_user(url, login, role, user_account_id=keys.user_account_id,
                                   territories=keys.territories, customers=keys.customers)
    except CentralError as error:
        raise _plain(error, url, login) from None


def _plain(error: CentralError, url: str, login: str) -> Exception:
    """A refusal for lack of rights in plain words; other errors as they are."""
    if isinstance(error, UnknownLogin):
        return ValidationFailed([_error(login, "password", _("a new login needs a password"))])
    cause = error.__context__
    if getattr(cause, "sqlstate", None) != _INSUFFICIENT_PRIVILEGE:
        return error
    problem = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    return CentralError(_(
        "Only admin logins may manage logins, and only those PostgreSQL lets create and "
        "change logins: ask the database administrator to give {me} the right to create "
        "roles (CREATEROLE) and to hand out the SalesDesk roles (ADMIN OPTION). The "
        "central database said: {problem}").format(me=connected_login(url) or "?",
                                                   problem=problem))


# -- what the form offers from the local store -------------------------------------------

@dataclass(frozen=True)
class LocalChoice:
    key: str  # a user account's login, a territory's code
    label: str  # what the form shows


def local_user_accounts(source) -> list[LocalChoice]:
    """The active user accounts this store knows, by display name (a name two accounts
    share gets the login added)."""
    rows = dbapi(source).execute(
        "SELECT login, display_name FROM user_account WHERE deleted_at IS NULL AND active = 1 "
        "ORDER BY display_name COLLATE NOCASE, login").fetchall()
    names = [name or login for login, name in rows]
    return [LocalChoice(login, name if names.count(name) == 1 else f"{name} ({login})")
            for (login, _name), name in zip(rows, names, strict=True)]


def local_territories(source) -> list[LocalChoice]:
    """The territories this store knows: "Nord (N1)", by code."""
    from salesdesk.services.lookups import territories

    return [LocalChoice(entry.code, entry.label) for entry in territories(source)]


def customers_problem(url: str, numbers: Iterable[str]) -> str:
    """What the central database says about customer numbers typed into the form: ""
    when it has them all, else "the central database has no customer K-000009"."""
    numbers = list(numbers)
    if not numbers:
        return ""
    missing = central.missing_keys(url, customers=numbers).get("customers")
    return _("the central database has no customer {names}").format(
        names=", ".join(missing)) if missing else ""


def explain(error: BaseException) -> str:
    """A failed call in plain words: a wrong password or an unreachable server as the
    Sync page says them, a refusal or a rule as it is."""
    import psycopg

    from salesdesk.domain.errors import DomainError
    from salesdesk.services.sync import explain_failure
    from salesdesk.sync.session import SyncError

    if isinstance(error, SyncError):
        return explain_failure(error)[0]
    if isinstance(error, CentralError) and isinstance(error.__context__,
                                                      psycopg.OperationalError):
        wrapped = SyncError(str(error))  # reads as the Sync page's own failures
        wrapped.__cause__ = error.__context__
        return explain_failure(wrapped)[0]
    if isinstance(error, DomainError):
        return str(error)
    return explain_failure(error)[0]
