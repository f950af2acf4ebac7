"""Shared fixtures: a fresh local store per test; Qt always offscreen."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from salesdesk.i18n import set_language  # noqa: E402
from salesdesk.store.engine import open_store  # noqa: E402


@pytest.fixture
def store(tmp_path):
    """An empty, migrated store in a temporary data dir."""
    opened = open_store(tmp_path / "data", user="tester")
    yield opened
    opened.close()


@pytest.fixture
def session(store):
    with store.session() as session:
        yield session


@pytest.fixture(autouse=True)
def english():
    """Tests read English messages unless they switch language themselves."""
    set_language("en")
    yield
    set_language("en")
