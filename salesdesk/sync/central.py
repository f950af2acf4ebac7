"""The central PostgreSQL database: schema set-up and upgrade, and its logins
(docs/sync.md, the server side).

``init_central`` compares the schema this build wants (central_schema.py: tables;
central_access.py: functions, triggers, policies, grants) with the catalog and applies
only what is missing or outdated, in one transaction, so running it twice changes
nothing. ``add_user`` creates or updates a login: a PostgreSQL role in one
of the group roles plus its scope (territories, customer assignments).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from salesdesk.domain.errors import DomainError
from salesdesk.domain.errors import first_line as _first_line
from salesdesk.i18n import _
from salesdesk.store.engine import CENTRAL_REVISION, KNOWN_REVISIONS
from salesdesk.sync import central_access as access
from salesdesk.sync import central_schema as schema
from salesdesk.sync.central_schema import ADMIN, GROUP_ROLES, SCHEMA, Part

MIN_SERVER_VERSION = 130000  # xid8 and pg_current_xact_id() came with PostgreSQL 13
DEFAULT_TOMBSTONE_HORIZON_DAYS = 90
_INIT_LOCK = 0x5A1E5DE5C  # pg_advisory_xact_lock key: one init at a time per database


class CentralError(DomainError):
    """The central database cannot be used as asked (unreachable, too new, refused)."""


@dataclass(frozen=True)
class InitResult:
    target: str  # the database, without password
    schema_version: str
    previous_version: str | None  # None: there was no central schema
    changes: tuple[str, ...]  # what was created or changed ("table customer", …)

    @property
    def nothing_to_do(self) -> bool:
        return not self.changes


@dataclass(frozen=True)
class UserResult:
    login: str
    role: str
    created: bool  # False: an existing login was updated
    user_account_id: uuid.UUID | None
    territories: tuple[uuid.UUID, ...]
    customers: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class Keys:
    """Keys looked up in the central database by the names people type."""

    user_account_id: uuid.UUID | None
    territories: tuple[uuid.UUID, ...]
    customers: tuple[uuid.UUID, ...]


# -- connections --------------------------------------------------------------------------

def describe(url: str) -> str:
    """The database a URL names, for messages: never its password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001  (an unreadable URL is reported by connect)
        return _("(unreadable database URL)")
    user = parts.get("user")
    where = parts.get("host") or "localhost"
    port = parts.get("port")
    place = f"{where}:{port}" if port else str(where)
    name = parts.get("dbname") or user or ""
    return f"{name} ({user + '@' if user else ''}{place})"


@contextmanager
def _connect(url: str) -> Iterator:
    """A connection in a transaction, committed when the block ends without an error."""
    import psycopg

    target = describe(url)
    try:
        conn = psycopg.connect(url, connect_timeout=15)
    except psycopg.Error as exc:
        raise CentralError(_("Cannot connect to the central database {target}: {problem}")
                           .format(target=target, problem=_first_line(exc))) from None
    try:
        with conn.transaction():
            yield conn
    except psycopg.Error as exc:
        raise CentralError(_("The central database {target} refused: {problem}").format(
            target=target, problem=_first_line(exc))) from None
    finally:
        conn.close()


def _server_version(conn) -> int:
    return conn.info.server_version


def _stored_version(conn) -> str | None:
    present = conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                           (f"{SCHEMA}.sync_meta",)).fetchone()[0]
    if not present:
        return None
    row = conn.execute("SELECT value FROM sync_meta WHERE key = 'schema_version'").fetchone()
    return row[0] if row else None


def schema_version(url: str) -> str | None:
    """The schema version of the central database (None: not set up yet)."""
    with _connect(url) as conn:
        return _stored_version(conn)


def _check_not_newer(version: str | None, target: str) -> None:
    if version is not None and version not in KNOWN_REVISIONS:
        raise CentralError(_(
            "The central database {target} has schema {revision}, newer than this SalesDesk "
            "knows ({head}). Please update SalesDesk; nothing was changed.").format(
                target=target, revision=version, head=CENTRAL_REVISION))


# -- init ---------------------------------------------------------------------------------

# (kind, key) → (comment, statement that drops it) of every object in the schema
_SNAPSHOT = """
SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'i' THEN 'index' ELSE 'sequence' END,
       c.relname::text, obj_description(c.oid, 'pg_class'), format('DROP INDEX %%I', c.relname)
FROM pg_class c WHERE c.relnamespace = %(schema)s::regnamespace AND c.relkind IN ('r', 'i', 'S')
UNION ALL
SELECT 'constraint', r.relname::text || '.' || k.conname::text,
       obj_description(k.oid, 'pg_constraint'),
       format('ALTER TABLE %%I DROP CONSTRAINT %%I', r.relname, k.conname)
FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid
WHERE r.relnamespace = %(schema)s::regnamespace
UNION ALL
SELECT 'function', p.proname, obj_description(p.oid, 'pg_proc'),
       format('DROP FUNCTION %%s', p.oid::regprocedure)
FROM pg_proc p WHERE p.pronamespace = %(schema)s::regnamespace
UNION ALL
SELECT 'trigger', r.relname::text || '.' || t.tgname::text, obj_description(t.oid, 'pg_trigger'),
       format('DROP TRIGGER %%I ON %%I', t.tgname, r.relname)
FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
WHERE NOT t.tgisinternal AND r.relnamespace = %(schema)s::regnamespace
UNION ALL
SELECT 'policy', r.relname::text || '.' || p.polname::text, obj_description(p.oid, 'pg_policy'),
       format('DROP POLICY %%I ON %%I', p.polname, r.relname)
FROM pg_policy p JOIN pg_class r ON r.oid = p.polrelid
WHERE r.relnamespace = %(schema)s::regnamespace
"""
# drop obsolete objects in this order: what depends on others goes first
_DROP_ORDER = ("policy", "trigger", "constraint", "index", "function")


class _Run:
    """One init: the statements it executes and what it reports."""

    def __init__(self, conn):
        self.conn = conn
        self.changes: list[str] = []

    def apply(self, label: str, *statements: str, params=None) -> None:
        for statement in statements:
            self.conn.execute(statement, params)
        self.changes.append(label)


def init_central(url: str) -> InitResult:
    """Create or upgrade the central schema in the database ``url`` names (idempotent).

    Needs a login that may create roles and owns (or may create in) the database's
    ``public`` schema, e.g. the database owner with CREATEROLE or a superuser.
    """
    target = describe(url)
    with _connect(url) as conn:
        if _server_version(conn) < MIN_SERVER_VERSION:
            raise CentralError(_("The central database {target} runs PostgreSQL {version}; "
                                 "SalesDesk needs PostgreSQL 13 or newer.").format(
                target=target, version=conn.info.server_version))
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_INIT_LOCK,))
        previous = _stored_version(conn)
        _check_not_newer(previous, target)
        run = _Run(conn)
        _ensure_roles(run)
        _ensure_parts(run, access.schema_parts(_server_version(conn)))
        _ensure_row_security(run)
        _ensure_grants(run)
        _ensure_meta(run, previous)
        _ensure_builtins(run)
    return InitResult(target, CENTRAL_REVISION, previous, tuple(run.changes))


def _ensure_roles(run: _Run) -> None:
    existing = {name for (name,) in run.conn.execute(
        "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)",
        (list(GROUP_ROLES.values()),))}
    for role in GROUP_ROLES.values():
        if role not in existing:  # roles are cluster-wide: another database may have made it
            run.apply(f"role {role}", f"""
DO $do$ BEGIN
  CREATE ROLE {role} NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $do$""")
    # FORCE ROW LEVEL SECURITY binds the owner too: a non-superuser owner (the one running
    # init) reads and writes everything as an admin, also inside the definer functions
    needs_admin = run.conn.execute("""
SELECT NOT r.rolsuper AND NOT pg_has_role(current_user, %s, 'USAGE')
FROM pg_roles r WHERE r.rolname = current_user""", (ADMIN,)).fetchone()[0]
    if needs_admin:
        run.apply(f"grant {ADMIN} to {_current_user(run.conn)}",
                  f"GRANT {ADMIN} TO CURRENT_USER")


def _current_user(conn) -> str:
    return conn.execute("SELECT current_user").fetchone()[0]


def _snapshot(conn) -> dict[tuple[str, str], tuple[str | None, str]]:
    rows = conn.execute(_SNAPSHOT, {"schema": SCHEMA}).fetchall()
    return {(kind, key): (comment, drop) for kind, key, comment, drop in rows}


def _ensure_parts(run: _Run, parts: list[Part]) -> None:
    found = _snapshot(run.conn)
    wanted = {(p.kind, p.key) for p in parts}
    obsolete = [(kind, key, drop) for (kind, key), (comment, drop) in found.items()
                if (comment or "").startswith(schema.COMMENT_PREFIX)
                and kind in _DROP_ORDER and (kind, key) not in wanted]
    for kind in _DROP_ORDER:
        for entry_kind, key, drop in sorted(obsolete):
            if entry_kind == kind:
                run.apply(f"dropped {kind} {key}", drop)
    for part in parts:
        current = found.get((part.kind, part.key))
        if current is None:
            run.apply(f"created {part.label}", *part.statements, _comment(part))
        elif current[0] != part.comment:
            if part.replace == "reconcile":
                _reconcile_table(run.conn, part.table)
                statements: tuple[str, ...] = ()
            elif part.replace == "drop":
                statements = (current[1], *part.statements)
            elif part.replace == "or-replace":
                statements = part.statements
            else:  # keep
                statements = ()
            run.apply(f"updated {part.label}", *statements, _comment(part))


def _comment(part: Part) -> str:
    return f"COMMENT ON {part.comment_on} IS '{part.comment}'"


def _reconcile_table(conn, table: schema.TableSpec) -> None:
    """Bring an existing table to ``table``: add missing columns, change types, defaults
    and NOT NULL. Columns the models dropped stay (never lose data) but become nullable."""
    current = {name: (sql_type, not_null, identity) for name, sql_type, not_null, identity
               in conn.execute("""
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity <> ''
FROM pg_attribute a
WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped""",
                   (f"{SCHEMA}.{table.name}",)).fetchall()}
    alter = f"ALTER TABLE {table.name}"
    for column in table.columns:
        if column.name not in current:
            conn.execute(f"{alter} ADD COLUMN {column.ddl()}")
            continue
        sql_type, not_null, identity = current[column.name]
        if sql_type != column.type:
            conn.execute(f"{alter} ALTER COLUMN {column.name} TYPE {column.type} "
                         f"USING {column.name}::{column.type}")
        if not identity and not column.identity:
            conn.execute(f"{alter} ALTER COLUMN {column.name} "
                         + (f"SET DEFAULT {column.default}" if column.default is not None
                            else "DROP DEFAULT"))
        if not_null != column.not_null:
            conn.execute(f"{alter} ALTER COLUMN {column.name} "
                         + ("SET NOT NULL" if column.not_null else "DROP NOT NULL"))
    for name, (_type, not_null, identity) in current.items():
        if name not in {c.name for c in table.columns} and not_null and not identity:
            conn.execute(f"{alter} ALTER COLUMN {name} DROP NOT NULL")


def _ensure_row_security(run: _Run) -> None:
    flags = {name: (enabled, forced) for name, enabled, forced in run.conn.execute("""
SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
WHERE relnamespace = %s::regnamespace AND relkind = 'r'""", (SCHEMA,))}
    for table, force in access.rls_tables().items():
        enabled, forced = flags[table]
        if not enabled:
            run.apply(f"row-level security on {table}",
                      f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        if forced != force:
            run.apply(f"row-level security forced on {table}" if force
                      else f"row-level security not forced on {table}",
                      f"ALTER TABLE {table} {'' if force else 'NO '}FORCE ROW LEVEL SECURITY")


_GRANTEES = (*GROUP_ROLES.values(), "PUBLIC")
_RELATION_GRANTS = """
SELECT c.relname, c.relkind, coalesce(r.rolname, 'PUBLIC'), a.privilege_type
FROM pg_class c
CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault(
    (CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))) a
LEFT JOIN pg_roles r ON r.oid = a.grantee
WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'S')
"""
_FUNCTION_GRANTS = """
SELECT p.oid::regprocedure::text, p.proname, coalesce(r.rolname, 'PUBLIC'), a.privilege_type
FROM pg_proc p
CROSS JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
LEFT JOIN pg_roles r ON r.oid = a.grantee
WHERE p.pronamespace = %s::regnamespace AND p.proname LIKE 'salesdesk\\_%%'
"""


def _ensure_grants(run: _Run) -> None:
    """Exactly the privileges central_access.table_grants names for the group roles and
    PUBLIC: missing ones granted, others revoked."""
    conn = run.conn
    held: dict[tuple[str, str], set[str]] = {}
    kinds: dict[str, str] = {}
    for name, relkind, grantee, privilege in conn.execute(_RELATION_GRANTS, (SCHEMA,)):
        kinds[name] = relkind
        held.setdefault((name, grantee), set()).add(privilege)
    for name, wanted_by_role in access.table_grants().items():
        noun = "SEQUENCE " if kinds.get(name) == "S" else ""
        for grantee in _GRANTEES:
            _adjust(run, f"{noun}{name}", grantee, held.get((name, grantee), set()),
                    wanted_by_role.get(grantee, frozenset()))
    functions: dict[str, tuple[str, set[str]]] = {}
    held_f: dict[tuple[str, str], set[str]] = {}
    for signature, name, grantee, privilege in conn.execute(_FUNCTION_GRANTS, (SCHEMA,)):
        functions[signature] = (name, set())
        held_f.setdefault((signature, grantee), set()).add(privilege)
    for signature, (name, _unused) in sorted(functions.items()):
        callable_ = name in access.CALLABLE_FUNCTIONS
        for grantee in _GRANTEES:
            wanted = {"EXECUTE"} if callable_ and grantee != "PUBLIC" else set()
            _adjust(run, f"FUNCTION {signature}", grantee, held_f.get((signature, grantee),
                                                                        set()), wanted)
    public_create = conn.execute(
        "SELECT has_schema_privilege('public', %s, 'CREATE')", (SCHEMA,)).fetchone()[0]
    if public_create:  # PostgreSQL before 15: anyone could plant objects in search_path
        run.apply(f"revoked CREATE on schema {SCHEMA} from PUBLIC",
                  f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM PUBLIC")


def _adjust(run: _Run, target: str, grantee: str, held: set[str], wanted: Iterable[str]) -> None:
    wanted = set(wanted)
    if missing := sorted(wanted - held):
        run.apply(f"granted {', '.join(missing)} on {target} to {grantee}",
                  f"GRANT {', '.join(missing)} ON {target} TO {grantee}")
    if extra := sorted(held - wanted):
        run.apply(f"revoked {', '.join(extra)} on {target} from {grantee}",
                  f"REVOKE {', '.join(extra)} ON {target} FROM {grantee}")


def _ensure_builtins(run: _Run) -> None:
    """The entries SalesDesk ships in the configurable lists, with the keys every device
    gives them (store/seeds.py), so they are one row everywhere."""
    from salesdesk.domain.ids import builtin_id
    from salesdesk.store.seeds import BUILTIN_LISTS

    for table, codes in BUILTIN_LISTS.items():
        for order, code in enumerate(codes):
            if run.conn.execute(f"SELECT 1 FROM {table} WHERE code = %s",
                                (code,)).fetchone() is None:
                run.apply(f"{table} {code}",
                          f"INSERT INTO {table} (id, code, name, sort_order, active, "
                          f"updated_by) VALUES (%s, %s, '', %s, true, 'salesdesk')",
                          params=(builtin_id(table, code), code, order * 10))


def _ensure_meta(run: _Run, previous: str | None) -> None:
    meta = dict(run.conn.execute("SELECT key, value FROM sync_meta").fetchall())
    defaults = {"schema_version": CENTRAL_REVISION, "min_client_schema": CENTRAL_REVISION,
                "tombstone_horizon_days": str(DEFAULT_TOMBSTONE_HORIZON_DAYS)}
    for key, value in defaults.items():
        if key not in meta:
            run.apply(f"sync_meta {key} = {value}",
                      "INSERT INTO sync_meta (key, value) VALUES (%s, %s)", params=(key, value))
    if previous is not None and previous != CENTRAL_REVISION:
        run.apply(f"schema version {previous} → {CENTRAL_REVISION}",
                  "UPDATE sync_meta SET value = %s WHERE key = 'schema_version'",
                  params=(CENTRAL_REVISION,))
        # clients of the old schema would miss the new columns: they update first
        oldest = meta.get("min_client_schema", CENTRAL_REVISION)
        if oldest in KNOWN_REVISIONS and \
                KNOWN_REVISIONS.index(oldest) < KNOWN_REVISIONS.index(CENTRAL_REVISION):
            run.apply(f"min_client_schema → {CENTRAL_REVISION}",
                      "UPDATE sync_meta SET value = %s WHERE key = 'min_client_schema'",
                      params=(CENTRAL_REVISION,))


# -- users --------------------------------------------------------------------------------

ROLES = tuple(GROUP_ROLES)
_LOGIN = re.compile(r"[a-z][a-z0-9_.@-]*")
_RESERVED_LOGINS = {"public", "none", "all", "user", "current_user", "session_user",
                    "current_role", "system_user", "postgres"}


def check_login(login: str) -> None:
    """A login SalesDesk may create: lower-case, no PostgreSQL or SalesDesk role name."""
    if not _LOGIN.fullmatch(login or ""):
        raise CentralError(_("Login {login}: use lower-case letters, digits and . _ @ - "
                             "and start with a letter").format(login=login))
    if len(login.encode()) > 63:
        raise CentralError(_("Login {login}: at most 63 characters").format(login=login))
    if login in _RESERVED_LOGINS or login.startswith(("pg_", "salesdesk_")):
        raise CentralError(_("Login {login}: the name is reserved by PostgreSQL or "
                             "SalesDesk").format(login=login))


def check_role(role: str) -> None:
    if role not in ROLES:
        raise CentralError(_("Role {role}: must be one of {roles}").format(
            role=role, roles=", ".join(ROLES)))


def add_user(url: str, login: str, password: str, role: str, *,
             user_account_id: uuid.UUID | None = None, territories: Iterable[uuid.UUID] = (),
             customers: Iterable[uuid.UUID] = ()) -> UserResult:
    """Create the login (or update an existing one): its PostgreSQL role with
    ``password``, its group role, and its scope. Territories and customer assignments are
    set to exactly the ones given; only the differences are written (each one logs the
    customers whose scope changes in sync_scope_log)."""
    from psycopg import sql

    check_login(login)
    check_role(role)
    if not password:
        raise CentralError(_("Login {login}: the password must not be empty").format(
            login=login))
    territories = tuple(dict.fromkeys(territories))
    customers = tuple(dict.fromkeys(customers))
    target = describe(url)
    with _connect(url) as conn:
        if _stored_version(conn) is None:
            raise CentralError(_("The central database {target} is not set up: run "
                                 "salesdesk central init first.").format(target=target))
        row = conn.execute("SELECT rolsuper, rolname = current_user FROM pg_roles "
                           "WHERE rolname = %s", (login,)).fetchone()
        if row is not None and (row[0] or row[1]):
            raise CentralError(_("Login {login}: an existing PostgreSQL role with rights of "
                                 "its own (superuser or the one running this); choose "
                                 "another login").format(login=login))
        secret = conn.pgconn.encrypt_password(password.encode(), login.encode()).decode()
        ident = sql.Identifier(login)
        verb = sql.SQL("ALTER ROLE" if row else "CREATE ROLE")
        conn.execute(sql.SQL("{} {} LOGIN PASSWORD {}").format(verb, ident,
                                                               sql.Literal(secret)))
        for name, group in GROUP_ROLES.items():
            member = _member(conn, login, group)
            if name == role and not member:
                conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), ident))
            elif name != role and member:
                conn.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(group), ident))
                if _member(conn, login, group):  # granted by another role: not ours to revoke
                    raise CentralError(_("Login {login}: its membership in {group} was "
                                         "granted by another role; revoke it as that role or "
                                         "a superuser").format(login=login, group=group))
        existed = conn.execute("SELECT 1 FROM sync_user WHERE login = %s", (login,)).fetchone()
        conn.execute("""
INSERT INTO sync_user (login, role, user_account_id) VALUES (%s, %s, %s)
ON CONFLICT (login) DO UPDATE SET role = EXCLUDED.role, user_account_id = EXCLUDED.user_account_id
WHERE (sync_user.role, sync_user.user_account_id)
      IS DISTINCT FROM (EXCLUDED.role, EXCLUDED.user_account_id)""",
                     (login, role, user_account_id))
        _set_members(conn, "sync_user_territory", "territory_id", login, territories)
        _set_members(conn, "sync_customer_assignment", "customer_id", login, customers)
        _check_keys(conn, target, user_account_id, territories, customers)
    return UserResult(login, role, existed is None, user_account_id, territories, customers)


def _member(conn, login: str, group: str) -> bool:
    return conn.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", (login, group)).fetchone()[0]


def _set_members(conn, table: str, column: str, login: str, wanted: tuple) -> None:
    held = {key for (key,) in conn.execute(
        f"SELECT {column} FROM {table} WHERE login = %s", (login,))}
    gone = [key for key in held if key not in set(wanted)]
    if gone:
        conn.execute(f"DELETE FROM {table} WHERE login = %s AND {column} = ANY(%s)",
                     (login, gone))
    for key in wanted:
        if key not in held:
            conn.execute(f"INSERT INTO {table} (login, {column}) VALUES (%s, %s)", (login, key))


def _check_keys(conn, target: str, account, territories, customers) -> None:
    """Name the keys that do not exist (the deferred foreign keys would only say 'a key')."""
    checks = (("user_account", [account] if account else [], _("user account {key}")),
              ("territory", list(territories), _("territory {key}")),
              ("customer", list(customers), _("customer {key}")))
    missing = []
    for table, keys, label in checks:
        if keys:
            found = {key for (key,) in conn.execute(
                f"SELECT id FROM {table} WHERE id = ANY(%s)", (keys,))}
            missing += [label.format(key=key) for key in keys if key not in found]
    if missing:
        raise CentralError(_("The central database {target} has no {missing}").format(
            target=target, missing=", ".join(missing)))


def lookup_keys(url: str, *, user_account: str | None = None, territories: Iterable[str] = (),
                customers: Iterable[str] = (), account_optional: bool = False) -> Keys:
    """The keys of a user account (by login), territories (by code) and customers (by
    number) in the central database; every name not found is named in one error.
    ``account_optional``: a missing user account gives None instead of an error."""
    territories, customers = list(territories), list(customers)
    target = describe(url)
    with _connect(url) as conn:
        if _stored_version(conn) is None:
            raise CentralError(_("The central database {target} is not set up: run "
                                 "salesdesk central init first.").format(target=target))
        missing: list[str] = []
        account_id = None
        if user_account:
            row = conn.execute("SELECT id FROM user_account WHERE login = %s "
                               "AND deleted_at IS NULL", (user_account,)).fetchone()
            account_id = row[0] if row else None
            if row is None and not account_optional:
                missing.append(_("user account {key}").format(key=user_account))
        territory_ids = _ids(conn, "territory", "code", territories, _("territory {key}"),
                             missing)
        customer_ids = _ids(conn, "customer", "number", customers, _("customer {key}"),
                            missing)
    if missing:
        raise CentralError(_("The central database {target} has no {missing}").format(
            target=target, missing=", ".join(missing)))
    return Keys(account_id, tuple(territory_ids), tuple(customer_ids))


def _ids(conn, table: str, column: str, names: list[str], label: str,
         missing: list[str]) -> list[uuid.UUID]:
    found = dict(conn.execute(f"SELECT {column}, id FROM {table} WHERE {column} = ANY(%s) "
                              "AND deleted_at IS NULL", (names,)).fetchall()) if names else {}
    missing += [label.format(key=name) for name in names if name not in found]
    return [found[name] for name in names if name in found]


# -- the logins as an admin sees them (the admin screen, services/central_admin.py) -------

class NotAdmin(CentralError):
    """The login asking is not an admin login of the central database."""


class UnknownLogin(CentralError):
    """update_user was asked about a login that is not a SalesDesk login (yet)."""


@dataclass(frozen=True)
class CentralUser:
    """A login of the central database with its scope, by the names people know."""

    login: str
    role: str  # rep, office or admin
    user_account: str | None  # the login of its SalesDesk user account
    user_account_name: str | None  # … and that account's display name
    territories: tuple[str, ...]  # codes
    customers: tuple[str, ...]  # customer numbers


def _require_set_up(conn, target: str) -> None:
    if _stored_version(conn) is None:
        raise CentralError(_("The central database {target} is not set up: run "
                             "salesdesk central init first.").format(target=target))


def _require_admin(conn, target: str) -> None:
    login, admin = conn.execute("SELECT session_user, pg_has_role(session_user, %s, 'USAGE')",
                                (ADMIN,)).fetchone()
    if not admin:
        raise NotAdmin(_("Only admin logins may manage logins: {login} is not an admin "
                         "login of the central database {target}.").format(
                             login=login, target=target))


def list_users(url: str) -> list[CentralUser]:
    """Every login of sync_user with its role, user account, territories and customer
    assignments, by login. Only an admin login sees them all: any other gets NotAdmin."""
    target = describe(url)
    with _connect(url) as conn:
        _require_set_up(conn, target)
        _require_admin(conn, target)
        rows = conn.execute("""
SELECT u.login, u.role, a.login, a.display_name,
       ARRAY(SELECT t.code FROM sync_user_territory ut JOIN territory t ON t.id = ut.territory_id
             WHERE ut.login = u.login ORDER BY t.code),
       ARRAY(SELECT c.number FROM sync_customer_assignment ca
             JOIN customer c ON c.id = ca.customer_id WHERE ca.login = u.login ORDER BY c.number)
FROM sync_user u LEFT JOIN user_account a ON a.id = u.user_account_id
ORDER BY u.login""").fetchall()
    return [CentralUser(login, role, account, name, tuple(codes), tuple(numbers))
            for login, role, account, name, codes, numbers in rows]


def missing_keys(url: str, *, user_account: str | None = None, territories: Iterable[str] = (),
                 customers: Iterable[str] = ()) -> dict[str, tuple[str, ...]]:
    """The names lookup_keys would not find, by what they name ("user_account",
    "territories", "customers"); empty when every one is there."""
    names = {"user_account": [user_account] if user_account else [],
             "territories": list(territories), "customers": list(customers)}
    where = {"user_account": ("user_account", "login"), "territories": ("territory", "code"),
             "customers": ("customer", "number")}
    target = describe(url)
    missing: dict[str, tuple[str, ...]] = {}
    with _connect(url) as conn:
        _require_set_up(conn, target)
        for field, wanted in names.items():
            if not wanted:
                continue
            table, column = where[field]
            found = {name for (name,) in conn.execute(
                f"SELECT {column} FROM {table} WHERE {column} = ANY(%s) "
                "AND deleted_at IS NULL", (wanted,))}
            if absent := tuple(dict.fromkeys(n for n in wanted if n not in found)):
                missing[field] = absent
    return missing


def update_user(url: str, login: str, role: str, *, user_account_id: uuid.UUID | None = None,
                territories: Iterable[uuid.UUID] = (),
                customers: Iterable[uuid.UUID] = ()) -> UserResult:
    """Change an existing login as add_user does (group role, user account, territories
    and assignments set to exactly the ones given) and keep its password."""
    from psycopg import sql

    check_login(login)
    check_role(role)
    territories = tuple(dict.fromkeys(territories))
    customers = tuple(dict.fromkeys(customers))
    target = describe(url)
    with _connect(url) as conn:
        _require_set_up(conn, target)
        row = conn.execute("SELECT r.rolsuper, r.rolname = current_user, u.login IS NOT NULL "
                           "FROM pg_roles r LEFT JOIN sync_user u ON u.login = r.rolname "
                           "WHERE r.rolname = %s", (login,)).fetchone()
        if row is None or not row[2]:
            raise UnknownLogin(_("Login {login}: there is no such SalesDesk login yet; give "
                                 "a password to create it").format(login=login))
        if row[0] or row[1]:
            raise CentralError(_("Login {login}: an existing PostgreSQL role with rights of "
                                 "its own (superuser or the one running this); choose "
                                 "another login").format(login=login))
        ident = sql.Identifier(login)
        for name, group in GROUP_ROLES.items():  # as add_user does
            member = _member(conn, login, group)
            if name == role and not member:
                conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), ident))
            elif name != role and member:
                conn.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(group), ident))
                if _member(conn, login, group):
                    raise CentralError(_("Login {login}: its membership in {group} was "
                                         "granted by another role; revoke it as that role or "
                                         "a superuser").format(login=login, group=group))
        conn.execute("""
UPDATE sync_user SET role = %s, user_account_id = %s WHERE login = %s
AND (role, user_account_id) IS DISTINCT FROM (%s, %s)""",
                     (role, user_account_id, login, role, user_account_id))
        _set_members(conn, "sync_user_territory", "territory_id", login, territories)
        _set_members(conn, "sync_customer_assignment", "customer_id", login, customers)
        _check_keys(conn, target, user_account_id, territories, customers)
    return UserResult(login, role, False, user_account_id, territories, customers)
