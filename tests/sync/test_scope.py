"""Every synced table is declared for sync (a new table joins by declaration)."""

from salesdesk.store.base import Base
from salesdesk.sync.scope import SCOPES, Kind, synced_tables


def test_every_synced_table_has_a_scope_and_every_scope_a_table():
    tables = synced_tables()
    assert set(tables) == set(SCOPES)


def test_scopes_name_real_columns_and_parents_come_first():
    tables = synced_tables()
    for name, scope in SCOPES.items():
        columns = Base.metadata.tables[name].columns
        if scope.kind in (Kind.CHILD, Kind.VIA):
            assert scope.column in columns, (name, scope.column)
        if scope.kind is Kind.VIA:
            assert tables.index(scope.parent) < tables.index(name)
        for column in scope.users:
            assert column in columns, (name, column)
