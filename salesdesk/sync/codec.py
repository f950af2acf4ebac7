"""Values of synced rows between their three shapes: as SQLite stores them (hex ids,
scaled-integer money, ISO text times), as Python holds them (UUID, Decimal, aware
datetime) and as psycopg sends them to PostgreSQL (Python values, adapted by psycopg).

The column types of the models decide (SQLAlchemy's own bind and result processors for
the SQLite dialect), so a new column needs no code here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from salesdesk.store.outbox import synced_columns


def _identity(value):
    return value


@cache
def _dialect():
    from sqlalchemy.dialects.sqlite import pysqlite

    return pysqlite.dialect()


class TableCodec:
    """One synced table: its columns and how their values convert."""

    def __init__(self, name: str):
        from salesdesk.store.base import Base

        self.name = name
        self.columns: list[str] = synced_columns()[name]
        table = Base.metadata.tables[name]
        dialect = _dialect()
        self._load: dict[str, Callable] = {}
        self._store: dict[str, Callable] = {}
        for column in self.columns:
            kind = table.columns[column].type
            self._load[column] = kind.result_processor(dialect, None) or _identity
            self._store[column] = kind.bind_processor(dialect) or _identity

    @property
    def storers(self) -> list[Callable | None]:
        """Per column (in ``columns`` order) the Python → stored conversion, None where
        the value is stored as it is (text, most integers): for converting rows by
        position, without a dict per row."""
        found = self.__dict__.get("_storers")
        if found is None:
            found = self.__dict__["_storers"] = [
                None if self._store[c] is _identity else self._store[c] for c in self.columns]
        return found

    def store_values(self, row) -> list:
        """A row of Python values in ``columns`` order → as SQLite stores them."""
        return [value if value is None or convert is None else convert(value)
                for value, convert in zip(row, self.storers, strict=False)]

    def load(self, column: str, stored: Any) -> Any:
        """A value as SQLite stores it → Python."""
        return None if stored is None else self._load[column](stored)

    def store(self, column: str, value: Any) -> Any:
        """A Python value → as SQLite stores it."""
        return None if value is None else self._store[column](value)

    def load_row(self, row: dict[str, Any]) -> dict[str, Any]:
        return {column: self.load(column, value) for column, value in row.items()
                if column in self._load}

    def store_row(self, row: dict[str, Any]) -> dict[str, Any]:
        return {column: self.store(column, value) for column, value in row.items()
                if column in self._store}


@cache
def codec(table: str) -> TableCodec:
    return TableCodec(table)
