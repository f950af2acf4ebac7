"""The radius-search index: an SQLite R*Tree over every live address with coordinates.

``address.geo_key`` is a local integer a trigger assigns on insert (whatever wrote the
row); triggers keep ``address_geo`` in step with the address's coordinates, tombstone
and customer, inside the writer's transaction. The R*Tree stores its box in 32-bit
floats rounded outwards, so it only pre-filters; the exact coordinates travel in its
auxiliary columns and the exact geodesic distance decides (services/radius.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

GEO_TABLE = "address_geo"
# Covering indexes for the radius search's candidate rows (migration 0004): the R*Tree
# gives geo_keys, these answer address and customer columns without reading the tables.
ADDRESS_RADIUS_INDEX = "ix_address_radius"
ADDRESS_RADIUS_COLUMNS = ("geo_key", "latitude", "longitude", "customer_id", "id", "kind",
                          "postal_code", "city", "country")
CUSTOMER_RADIUS_INDEX = "ix_customer_radius"
CUSTOMER_RADIUS_COLUMNS = ("id", "deleted_at", "number", "name")
CREATE_GEO = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {GEO_TABLE} USING rtree("
    "id, min_lat, max_lat, min_lon, max_lon, +latitude, +longitude, +customer_id)"
)
_ROW = ("{r}.geo_key, {r}.latitude, {r}.latitude, {r}.longitude, {r}.longitude, "
        "{r}.latitude, {r}.longitude, {r}.customer_id")
_LIVE = ("{r}.latitude IS NOT NULL AND {r}.longitude IS NOT NULL AND {r}.deleted_at IS NULL "
         "AND {r}.geo_key IS NOT NULL")
GEO_TRIGGERS = (
    f"""
CREATE TRIGGER IF NOT EXISTS address_geo_insert AFTER INSERT ON address
BEGIN
  -- numbering the row fires address_geo_update, which indexes it
  UPDATE address SET geo_key = (SELECT coalesce(max(geo_key), 0) + 1 FROM address)
  WHERE rowid = new.rowid AND new.geo_key IS NULL;
  INSERT INTO {GEO_TABLE} SELECT {_ROW.format(r="new")} WHERE {_LIVE.format(r="new")};
END
""",
    f"""
CREATE TRIGGER IF NOT EXISTS address_geo_update
AFTER UPDATE OF latitude, longitude, deleted_at, customer_id, geo_key ON address
BEGIN
  DELETE FROM {GEO_TABLE} WHERE id = old.geo_key;
  INSERT INTO {GEO_TABLE} SELECT {_ROW.format(r="new")} WHERE {_LIVE.format(r="new")};
END
""",
    f"""
CREATE TRIGGER IF NOT EXISTS address_geo_delete AFTER DELETE ON address
BEGIN
  DELETE FROM {GEO_TABLE} WHERE id = old.geo_key;
END
""",
)


def rebuild_geo_index(conn: Connection) -> None:
    """Number addresses without a key and rebuild the whole R*Tree (bulk loads, upgrades)."""
    from sqlalchemy import text

    conn.execute(text(
        "UPDATE address SET geo_key = (SELECT coalesce(max(geo_key), 0) FROM address) + rowid "
        "WHERE geo_key IS NULL"))
    conn.execute(text(f"DELETE FROM {GEO_TABLE}"))
    conn.execute(text(f"INSERT INTO {GEO_TABLE} SELECT {_ROW.format(r='a')} FROM address a "
                      f"WHERE {_LIVE.format(r='a')}"))
