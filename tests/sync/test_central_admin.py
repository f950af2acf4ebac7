"""Managing the logins of the central database as an office admin (services/central_admin.py
and the functions of sync/central.py it adds: list_users, missing_keys, update_user),
against a real PostgreSQL (tests/sync/conftest.py): a rep login with a territory and two
customers is created, listed and changed; a bad name, an unknown territory and a new login
without password are refused naming the login and the field; a non-admin login is
refused in plain words."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from salesdesk.domain.errors import ValidationFailed
from salesdesk.services import central_admin as admin
from salesdesk.store.engine import open_store
from salesdesk.store.models import Territory, UserAccount
from salesdesk.sync.central import CentralError, NotAdmin, add_user, list_users

from .conftest import PASSWORD


def make_admin(central, name: str = "anna") -> str:
    """An admin login that may hand out logins: a DBA gave it CREATEROLE and ADMIN OPTION
    on the SalesDesk group roles (add_user alone makes an admin that may not create roles).
    Returns its URL (with password, as stored_url gives it)."""
    login = central.login(name)
    add_user(central.url, login, PASSWORD, "admin")
    ident = sql.Identifier(login)
    with central.connect() as conn:
        conn.execute(sql.SQL("ALTER ROLE {} CREATEROLE").format(ident))
        conn.execute(sql.SQL("GRANT salesdesk_rep, salesdesk_office TO {} WITH ADMIN OPTION, "
                             "INHERIT FALSE, SET FALSE").format(ident))
        conn.execute(sql.SQL("GRANT salesdesk_admin TO {} WITH ADMIN OPTION").format(ident))
    return central.login_url(login)


def fill_central(central) -> None:
    """What the office synced already: a user account, two territories, three customers."""
    with central.connect() as conn:
        conn.execute("INSERT INTO user_account (login, display_name) VALUES "
                     "('rita', 'Rita Rep'), ('otto', 'Otto Office')")
        conn.execute("INSERT INTO territory (code, name) VALUES ('N1', 'Nord'), ('S1', 'Süd')")
        conn.execute("INSERT INTO customer (number, name) VALUES ('K-000001', 'Müller Bau'), "
                     "('K-000002', 'Schmidt KG'), ('K-000003', 'Weber GmbH')")


@pytest.fixture
def admin_url(central):
    fill_central(central)
    return make_admin(central)


def memberships(central, login: str) -> set[str]:
    with central.connect() as conn:
        return {group for (group,) in conn.execute(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = %s", (login,))}


def role_exists(central, login: str) -> bool:
    with central.connect() as conn:
        return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s",
                            (login,)).fetchone() is not None


def test_an_admin_creates_a_rep_with_a_territory_and_two_customers_and_lists_it(central,
                                                                              admin_url):
    rep = central.login("rita")
    result = admin.save_login(admin_url, rep, "rep", "rita-pw", user_account="rita",
                              territories=["N1"], customers=["K-000001", "K-000002"])
    assert result.created
    logins = {entry.login: entry for entry in admin.list_logins(admin_url)}
    assert logins[rep] == admin.Login(rep, "rep", "rita", "Rita Rep", ("N1",),
                                      ("K-000001", "K-000002"))
    assert logins[rep].role_label == "Sales representative"
    assert logins[central.login("anna")].role == "admin"
    # the new login works with its password and sees its two customers
    with central.connect(rep, "rita-pw") as conn:
        numbers = [n for (n,) in conn.execute("SELECT number FROM customer ORDER BY number")]
    assert numbers == ["K-000001", "K-000002"]
    assert "salesdesk_rep" in memberships(central, rep)


def test_changing_the_role_keeps_the_password_and_sets_the_scope_exactly(central, admin_url):
    rep = central.login("rita")
    admin.save_login(admin_url, rep, "rep", "rita-pw", user_account="rita",
                     territories=["N1"], customers=["K-000001", "K-000002"])
    result = admin.save_login(admin_url, rep, "office", None, user_account="rita",
                              territories=["S1"], customers=["K-000003"])
    assert not result.created
    (entry,) = [e for e in admin.list_logins(admin_url) if e.login == rep]
    assert (entry.role, entry.role_label, entry.territories, entry.customers) == (
        "office", "Office", ("S1",), ("K-000003",))
    assert {"salesdesk_office"} <= memberships(central, rep)
    assert "salesdesk_rep" not in memberships(central, rep)
    with central.connect(rep, "rita-pw") as conn:  # the password stayed
        assert conn.execute("SELECT count(*) FROM customer").fetchone()[0] == 3
    # a new password for an existing login: add_user's path
    admin.save_login(admin_url, rep, "office", "new-pw", user_account="rita")
    with pytest.raises(psycopg.OperationalError):
        central.connect(rep, "rita-pw")
    central.connect(rep, "new-pw").close()


def test_a_bad_login_name_is_refused_naming_the_login_and_the_problem(central, admin_url):
    with pytest.raises(ValidationFailed) as refused:
        admin.save_login(admin_url, "Bad Name", "rep", "pw")
    (error,) = refused.value.errors
    assert error.key == "login"
    assert str(refused.value) == ("Login Bad Name, Login: Login Bad Name: use lower-case "
                                  "letters, digits and . _ @ - and start with a letter")
    assert admin.login_problem("Bad Name").startswith("Login Bad Name: use lower-case")
    assert admin.login_problem("salesdesk_admin").endswith("reserved by PostgreSQL or SalesDesk")
    assert admin.login_problem("rita.rep@nord") == ""
    assert not role_exists(central, "Bad Name")


def test_an_unknown_territory_and_customer_are_named_and_nothing_is_made(central, admin_url):
    rep = central.login("rita")
    with pytest.raises(ValidationFailed) as refused:
        admin.save_login(admin_url, rep, "rep", "pw", user_account="rita",
                         territories=["N1", "XX"], customers=["K-000001", "K-999999"])
    errors = {e.key: str(e) for e in refused.value.errors}
    assert errors == {
        "territories": f"Login {rep}, Territories: the central database has no territory XX; "
                       "synchronise this computer first if it was made here",
        "customers": f"Login {rep}, Customers: the central database has no customer K-999999",
    }
    assert not role_exists(central, rep)
    assert rep not in {e.login for e in admin.list_logins(admin_url)}


def test_a_new_login_needs_a_password(central, admin_url):
    rep = central.login("rita")
    with pytest.raises(ValidationFailed) as refused:
        admin.save_login(admin_url, rep, "rep", None, user_account="rita")
    (error,) = refused.value.errors
    assert (error.key, error.message) == ("password", "a new login needs a password")
    assert not role_exists(central, rep)


def test_an_office_login_is_refused_in_plain_words(central, admin_url):
    office = central.login("otto")
    add_user(central.url, office, PASSWORD, "office")
    office_url = central.login_url(office)
    with pytest.raises(NotAdmin, match="^Only admin logins may manage logins: "
                                       f"{office} is not an admin login"):
        admin.list_logins(office_url)
    with pytest.raises(CentralError, match="^Only admin logins may manage logins") as refused:
        admin.save_login(office_url, central.login("rita"), "rep", "pw", user_account="rita")
    assert "pw" not in str(refused.value).replace("password", "")
    assert not role_exists(central, central.login("rita"))


def test_an_admin_postgresql_does_not_let_create_roles_is_told_what_is_missing(central):
    """add_user makes an admin login without CREATEROLE: it sees the logins, but creating
    one is refused, saying what the database administrator must grant."""
    fill_central(central)
    plain = central.login("paula")
    add_user(central.url, plain, PASSWORD, "admin")
    url = central.login_url(plain)
    assert [e.login for e in admin.list_logins(url)] == [plain]
    with pytest.raises(CentralError) as refused:
        admin.save_login(url, central.login("rita"), "rep", "pw")
    text = str(refused.value)
    assert text.startswith("Only admin logins may manage logins, and only those PostgreSQL "
                           "lets create and change logins")
    assert f"give {plain} the right to create roles (CREATEROLE)" in text


def test_list_users_and_missing_keys_of_sync_central(central, admin_url):
    rep = central.login("rita")
    add_user(central.url, rep, PASSWORD, "rep")
    (user,) = [u for u in list_users(admin_url) if u.login == rep]
    assert (user.role, user.user_account, user.territories, user.customers) == (
        "rep", None, (), ())
    from salesdesk.sync.central import missing_keys

    assert missing_keys(admin_url, user_account="rita", territories=["N1"],
                        customers=["K-000001"]) == {}
    assert missing_keys(admin_url, user_account="nobody", territories=["N1", "Q", "Q"],
                        customers=["K-1"]) == {"user_account": ("nobody",),
                                               "territories": ("Q",), "customers": ("K-1",)}


def test_the_form_offers_the_local_accounts_and_territories(tmp_path):
    store = open_store(tmp_path / "office", user="otto")
    with store.session() as session:
        session.add_all([UserAccount(login="rita", display_name="Rita Rep"),
                         UserAccount(login="rita2", display_name="Rita Rep"),
                         UserAccount(login="max", display_name="Max Mohr", active=False),
                         Territory(code="N1", name="Nord"), Territory(code="S1", name="S1")])
        session.commit()
    try:
        accounts = admin.local_user_accounts(store.reader())
        assert [(c.key, c.label) for c in accounts] == [("rita", "Rita Rep (rita)"),
                                                       ("rita2", "Rita Rep (rita2)")]
        assert [(c.key, c.label) for c in admin.local_territories(store.reader())] == [
            ("N1", "Nord (N1)"), ("S1", "S1")]
    finally:
        store.close()
    assert admin.parse_customers(" K-000001, K-000002;K-000003  K-000001,") == [
        "K-000001", "K-000002", "K-000003"]
