"""The central schema as data, part 2: functions, triggers, row-level security policies
and grants, generated from the scope declaration (docs/sync.md, "Row-level security").
"""

from __future__ import annotations

from salesdesk.sync.central_schema import (
    ADMIN,
    OFFICE,
    REP,
    SCHEMA,
    SYNC_XID,
    VERSION_SEQUENCE,
    Part,
    table_parts,
)
from salesdesk.sync.scope import SCOPES, Kind, Writers, synced_tables

_DEFINER = f"SECURITY DEFINER SET search_path = {SCHEMA}, pg_temp"


# -- functions ------------------------------------------------------------------------

def _function(signature: str, returns: str, body: str, *, language: str = "sql",
              options: str = "") -> Part:
    name = signature.split("(")[0]
    arg_types = ", ".join(a.split()[1] for a in signature.split("(")[1].rstrip(")").split(",")
                          if a.strip())
    statement = (f"CREATE OR REPLACE FUNCTION {signature} RETURNS {returns} "
                 f"LANGUAGE {language} {options}".rstrip() + f" AS $fn$\n{body.strip()}\n$fn$")
    return Part("function", name, (statement,), f"FUNCTION {name}({arg_types})", "or-replace")


def new_id_function(server_version: int) -> Part:
    """UUIDv7 keys for rows an office tool inserts by plain SQL (the app brings its own)."""
    if server_version >= 180000:
        body = "SELECT uuidv7()"
    else:  # unix-ms timestamp in the first 48 bits of a random UUID, version bits 0111
        body = ("SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing "
                "substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) "
                "FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid")
    return _function("salesdesk_new_id()", "uuid", body, options="VOLATILE")


_STAMP = f"""
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id IS DISTINCT FROM OLD.id THEN
    RAISE EXCEPTION 'the id of a % row never changes (%)', TG_TABLE_NAME, OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  NEW.version := nextval('{SCHEMA}.{VERSION_SEQUENCE}');
  NEW.{SYNC_XID} := pg_current_xact_id();
  RETURN NEW;
END
"""
_REFUSE_DELETE = f"""
DECLARE
  horizon integer;
BEGIN
  -- a tombstone older than the horizon may be purged; every other row stays
  IF OLD.deleted_at IS NOT NULL THEN
    SELECT value::integer INTO horizon FROM {SCHEMA}.sync_meta
      WHERE key = 'tombstone_horizon_days';
    IF OLD.deleted_at < now() - make_interval(days => coalesce(horizon, 90)) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'rows of % are not deleted: set deleted_at instead (row %)',
    TG_TABLE_NAME, OLD.id
    USING ERRCODE = 'restrict_violation',
          HINT = 'UPDATE ' || TG_TABLE_NAME || ' SET deleted_at = now() WHERE id = ...';
END
"""
_REFUSE_TRUNCATE = """
BEGIN
  RAISE EXCEPTION '% is not truncated: synced rows are tombstoned (set deleted_at)',
    TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
"""
_LOG_TERRITORY = """
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO sync_scope_log (customer_id, login)
      SELECT c.id, OLD.login FROM customer c WHERE c.territory_id = OLD.territory_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO sync_scope_log (customer_id, login)
      SELECT c.id, NEW.login FROM customer c WHERE c.territory_id = NEW.territory_id;
  END IF;
  RETURN NULL;
END
"""
_LOG_ASSIGNMENT = """
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO sync_scope_log (customer_id, login) VALUES (OLD.customer_id, OLD.login);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO sync_scope_log (customer_id, login) VALUES (NEW.customer_id, NEW.login);
  END IF;
  RETURN NULL;
END
"""
_LOG_USER = """
BEGIN
  IF NEW.role IS DISTINCT FROM OLD.role THEN  -- rep <-> office: every customer may change
    INSERT INTO sync_scope_log (customer_id, login) SELECT c.id, NEW.login FROM customer c;
  ELSE
    INSERT INTO sync_scope_log (customer_id, login)
      SELECT c.id, NEW.login FROM customer c
      WHERE c.representative_id IN (OLD.user_account_id, NEW.user_account_id);
  END IF;
  RETURN NULL;
END
"""
_TAKE_BLOCK = """
DECLARE
  block sync_number_block;
  start bigint;
BEGIN
  IF size < 1 THEN
    RAISE EXCEPTION 'a number block holds at least one number (asked for %)', size;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('sync_number_block:' || block_name));
  SELECT greatest(coalesce(max(b.last), 0) + 1, at_least) INTO start
    FROM sync_number_block b WHERE b.name = block_name;
  INSERT INTO sync_number_block (name, device, first, last)
    VALUES (block_name, device_id, start, start + size - 1) RETURNING * INTO block;
  RETURN block;
END
"""


def functions(server_version: int) -> list[Part]:
    """Every function but salesdesk_new_id (which the tables' defaults need first)."""
    plpgsql = "plpgsql"
    return [
        _function("salesdesk_stamp()", "trigger", _STAMP, language=plpgsql),
        _function("salesdesk_refuse_delete()", "trigger", _REFUSE_DELETE, language=plpgsql),
        _function("salesdesk_refuse_truncate()", "trigger", _REFUSE_TRUNCATE,
                  language=plpgsql),
        # who is asking: the login (session_user), also inside these definer functions
        _function("salesdesk_is_office()", "boolean",
                  f"SELECT pg_has_role(session_user, '{OFFICE}', 'USAGE') "
                  f"OR pg_has_role(session_user, '{ADMIN}', 'USAGE')",
                  options=f"STABLE {_DEFINER}"),
        _function("salesdesk_my_account()", "uuid",
                  "SELECT user_account_id FROM sync_user WHERE login = session_user",
                  options=f"STABLE {_DEFINER}"),
        _function("salesdesk_my_territories()", "SETOF uuid",
                  "SELECT territory_id FROM sync_user_territory WHERE login = session_user",
                  options=f"STABLE {_DEFINER}"),
        _function("salesdesk_my_customers()", "SETOF uuid",
                  "SELECT customer_id FROM sync_customer_assignment WHERE login = session_user",
                  options=f"STABLE {_DEFINER}"),
        _function("salesdesk_visible_customer(customer uuid)", "boolean", f"""
SELECT salesdesk_is_office()
    OR EXISTS (SELECT 1 FROM customer c WHERE c.id = $1 AND ({customer_scope("c.")}))
""", options=f"STABLE {_DEFINER}"),
        _function("salesdesk_log_customer_scope()", "trigger", """
BEGIN
  INSERT INTO sync_scope_log (customer_id) VALUES (NEW.id);
  RETURN NULL;
END
""", language=plpgsql, options=_DEFINER),
        _function("salesdesk_log_territory_scope()", "trigger", _LOG_TERRITORY,
                  language=plpgsql, options=_DEFINER),
        _function("salesdesk_log_assignment_scope()", "trigger", _LOG_ASSIGNMENT,
                  language=plpgsql, options=_DEFINER),
        _function("salesdesk_log_user_scope()", "trigger", _LOG_USER, language=plpgsql,
                  options=_DEFINER),
        _function("salesdesk_take_number_block(block_name text, device_id uuid, size bigint, "
                  "at_least bigint DEFAULT 1)", "sync_number_block", _TAKE_BLOCK,
                  language=plpgsql, options=f"VOLATILE {_DEFINER}"),
    ]


# functions a login calls (policies, defaults, numbering); trigger functions need no grant
CALLABLE_FUNCTIONS = ("salesdesk_new_id", "salesdesk_is_office", "salesdesk_my_account",
                      "salesdesk_my_territories", "salesdesk_my_customers",
                      "salesdesk_visible_customer", "salesdesk_take_number_block")


# -- triggers -------------------------------------------------------------------------

def _trigger(table: str, name: str, definition: str) -> Part:
    return Part("trigger", f"{table}.{name}", (f"CREATE TRIGGER {name} {definition}",),
                f"TRIGGER {name} ON {table}")


def triggers() -> list[Part]:
    parts = []
    for table in synced_tables():
        parts += [
            # the name sorts last: other BEFORE triggers have had their say
            _trigger(table, "zz_salesdesk_stamp", f"BEFORE INSERT OR UPDATE ON {table} "
                     "FOR EACH ROW EXECUTE FUNCTION salesdesk_stamp()"),
            _trigger(table, "salesdesk_refuse_delete", f"BEFORE DELETE ON {table} "
                     "FOR EACH ROW EXECUTE FUNCTION salesdesk_refuse_delete()"),
            _trigger(table, "salesdesk_refuse_truncate", f"BEFORE TRUNCATE ON {table} "
                     "FOR EACH STATEMENT EXECUTE FUNCTION salesdesk_refuse_truncate()"),
        ]
    parts += [
        _trigger("customer", "salesdesk_scope_insert", "AFTER INSERT ON customer "
                 "FOR EACH ROW EXECUTE FUNCTION salesdesk_log_customer_scope()"),
        _trigger("customer", "salesdesk_scope_update",
                 "AFTER UPDATE OF representative_id, territory_id ON customer FOR EACH ROW "
                 "WHEN (OLD.representative_id IS DISTINCT FROM NEW.representative_id "
                 "OR OLD.territory_id IS DISTINCT FROM NEW.territory_id) "
                 "EXECUTE FUNCTION salesdesk_log_customer_scope()"),
        _trigger("sync_user_territory", "salesdesk_scope",
                 "AFTER INSERT OR UPDATE OR DELETE ON sync_user_territory FOR EACH ROW "
                 "EXECUTE FUNCTION salesdesk_log_territory_scope()"),
        _trigger("sync_customer_assignment", "salesdesk_scope",
                 "AFTER INSERT OR UPDATE OR DELETE ON sync_customer_assignment FOR EACH ROW "
                 "EXECUTE FUNCTION salesdesk_log_assignment_scope()"),
        _trigger("sync_user", "salesdesk_scope",
                 "AFTER UPDATE OF role, user_account_id ON sync_user FOR EACH ROW "
                 "WHEN (OLD.role IS DISTINCT FROM NEW.role "
                 "OR OLD.user_account_id IS DISTINCT FROM NEW.user_account_id) "
                 "EXECUTE FUNCTION salesdesk_log_user_scope()"),
    ]
    return parts


# -- row-level security -----------------------------------------------------------------

# The login's keys as init plans (ARRAY(SELECT …)): evaluated once per statement and
# usable by an index (= ANY), instead of a function call per row. Measured with 50,000
# customers, 150,000 addresses, a rep with 1,000 customers: reading the rep's addresses
# took 1.6 s with salesdesk_visible_customer(customer_id) per row, 6 ms like this; one
# address by id 2 ms. A CHILD or VIA row follows its customer or parent row as that
# table's own policy shows it to the rep (RLS applies inside the sub-select).
_MINE = "(SELECT salesdesk_my_account())"


def customer_scope(prefix: str = "") -> str:
    """A rep's customers (docs/sync.md): theirs by representative, by territory or by
    assignment; ``prefix`` qualifies the customer columns."""
    return (f"{prefix}representative_id = {_MINE} "
            f"OR {prefix}territory_id = ANY (ARRAY(SELECT salesdesk_my_territories())) "
            f"OR {prefix}id = ANY (ARRAY(SELECT salesdesk_my_customers()))")


def rep_scope(table: str) -> str:
    """The rows of ``table`` a rep login sees (and, writers=SCOPE, writes)."""
    scope = SCOPES[table]
    if scope.kind is Kind.CUSTOMER:
        return customer_scope()
    users = [f"{column} = {_MINE}" for column in scope.users]
    if scope.kind is Kind.CHILD:
        return " OR ".join([f"{scope.column} = ANY (ARRAY(SELECT id FROM customer))", *users])
    if scope.kind is Kind.VIA:
        return f"{scope.column} = ANY (ARRAY(SELECT id FROM {scope.parent}))"
    if scope.kind is Kind.OWNED:
        return " OR ".join(users) or "false"
    return "true"  # SHARED, OFFICE


def _policy(table: str, name: str, definition: str) -> Part:
    return Part("policy", f"{table}.{name}",
                (f"CREATE POLICY {name} ON {table} {definition}",),
                f"POLICY {name} ON {table}")


def policies() -> list[Part]:
    parts = []
    for table in synced_tables():
        scope = rep_scope(table)
        parts.append(_policy(table, "salesdesk_office_all",
                             f"FOR ALL TO {OFFICE}, {ADMIN} USING (true) WITH CHECK (true)"))
        parts.append(_policy(table, "salesdesk_rep_read",
                             f"FOR SELECT TO {REP} USING ({scope})"))
        if SCOPES[table].writers is Writers.SCOPE:
            parts.append(_policy(table, "salesdesk_rep_insert",
                                 f"FOR INSERT TO {REP} WITH CHECK ({scope})"))
            parts.append(_policy(table, "salesdesk_rep_update",
                                 f"FOR UPDATE TO {REP} USING ({scope}) WITH CHECK ({scope})"))
    own = "login = session_user"
    parts.append(_policy("sync_batch", "salesdesk_own",
                         f"FOR ALL TO PUBLIC USING ({own}) WITH CHECK ({own})"))
    parts.append(_policy("sync_batch", "salesdesk_admin_read",
                         f"FOR SELECT TO {ADMIN} USING (true)"))
    for table in ("sync_user", "sync_user_territory", "sync_customer_assignment"):
        parts.append(_policy(table, "salesdesk_own", f"FOR SELECT TO PUBLIC USING ({own})"))
        parts.append(_policy(table, "salesdesk_admin_all",
                             f"FOR ALL TO {ADMIN} USING (true) WITH CHECK (true)"))
    return parts


def rls_tables() -> dict[str, bool]:
    """Tables with row-level security → whether it is forced on their owner too."""
    tables = dict.fromkeys(synced_tables(), True)
    tables.update(dict.fromkeys(
        ("sync_batch", "sync_user", "sync_user_territory", "sync_customer_assignment"), False))
    return tables


# -- grants -----------------------------------------------------------------------------

_WRITE = frozenset({"SELECT", "INSERT", "UPDATE"})
_READ = frozenset({"SELECT"})
_MANAGE = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})


def table_grants() -> dict[str, dict[str, frozenset[str]]]:
    """Privileges per table (and sequence) per group role; PUBLIC gets none."""
    grants: dict[str, dict[str, frozenset[str]]] = {}
    for table in synced_tables():
        rep = _WRITE if SCOPES[table].writers is Writers.SCOPE else _READ
        grants[table] = {REP: rep, OFFICE: _WRITE, ADMIN: _WRITE}
    everyone = dict.fromkeys((REP, OFFICE, ADMIN), _READ)
    grants["sync_batch"] = dict.fromkeys((REP, OFFICE, ADMIN), frozenset({"SELECT", "INSERT"}))
    grants["sync_meta"] = {**everyone, ADMIN: frozenset({"SELECT", "UPDATE"})}
    for table in ("sync_user", "sync_user_territory", "sync_customer_assignment"):
        grants[table] = {**everyone, ADMIN: _MANAGE}
    grants["sync_scope_log"] = everyone
    grants["sync_number_block"] = everyone
    grants[VERSION_SEQUENCE] = dict.fromkeys((REP, OFFICE, ADMIN), frozenset({"USAGE"}))
    return grants


def schema_parts(server_version: int) -> list[Part]:
    """Everything init creates, in an order where each part finds what it needs."""
    parts = [new_id_function(server_version), *table_parts()]
    parts += functions(server_version)
    parts += triggers()
    parts += policies()
    return parts
