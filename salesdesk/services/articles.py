"""Articles for lists, pickers and the command line (plain SQL on a Session or reader)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from salesdesk.store.engine import dbapi


@dataclass(frozen=True)
class ArticleRow:
    number: str
    name: str
    product_group: str
    unit: str
    pack_size: int
    season: str
    ean: str
    active: bool


def list_articles(source, search: str = "", *, language: str = "", active_only: bool = False,
                  limit: int = 0) -> list[ArticleRow]:
    """Articles by number; ``search`` matches number, name (any language), EAN or
    product group, case-insensitive; the name in ``language`` where there is one."""
    clauses, params = ["a.deleted_at IS NULL"], []
    if active_only:
        clauses.append("a.active = 1")
    for word in search.split():
        like = f"%{word.replace('%', '').replace('_', '')}%"
        clauses.append("(a.number LIKE ? OR a.name LIKE ? OR a.names LIKE ? OR a.ean LIKE ? "
                       "OR coalesce(g.code, '') LIKE ? OR coalesce(g.name, '') LIKE ?)")
        params += [like] * 6
    sql = ("SELECT a.number, a.name, a.names, coalesce(g.name, ''), a.unit, a.pack_size, "
           "a.season, a.ean, a.active FROM article a "
           "LEFT JOIN product_group g ON g.id = a.product_group_id "
           f"WHERE {' AND '.join(clauses)} ORDER BY a.number")
    if limit:
        sql += f" LIMIT {int(limit)}"
    rows = []
    for number, name, names, group, unit, pack, season, ean, active in dbapi(source).execute(
            sql, params):
        translated = json.loads(names).get(language, "") if names and language else ""
        rows.append(ArticleRow(number, translated or name, group, unit, pack, season, ean,
                               bool(active)))
    return rows
