"""The users of SalesDesk as far as this store knows them, and who is working now."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from salesdesk.store.models import UserAccount


def current_user(session: Session) -> UserAccount:
    """The user account of the login this session works for, made on first use (a rep's
    laptop knows its own user before the first sync brings the others)."""
    login = session.info.get("user", "") or "local"
    user = session.scalar(select(UserAccount).where(UserAccount.login == login))
    if user is None:
        user = UserAccount(login=login, display_name=_full_name(login))
        session.add(user)
        session.flush()
    return user


def _full_name(login: str) -> str:
    """The name the operating system knows for a login (its account's full name), else
    the login itself."""
    try:
        import pwd  # POSIX only

        name = pwd.getpwnam(login).pw_gecos.split(",")[0].strip()
    except (ImportError, KeyError):
        name = ""
    return name or login


def current_user_id(session: Session) -> uuid.UUID:
    return current_user(session).id


def user_id_for_login(source, login: str) -> uuid.UUID | None:
    """The id of a login (reader or session), None if this store doesn't know it."""
    from salesdesk.store.engine import dbapi

    row = dbapi(source).execute("SELECT id FROM user_account WHERE login = ?",
                                (login,)).fetchone()
    return uuid.UUID(row[0]) if row else None
