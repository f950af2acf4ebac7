"""The import rule of DESIGN.md, checked on the source: ui → services → {sync,
integrations, reports} → store → domain; only ui imports PySide6; nothing imports ui."""

import ast
from pathlib import Path

import pytest

import salesdesk

ROOT = Path(salesdesk.__file__).parent
# rank: a module may import salesdesk modules of a lower rank (and its own package)
RANKS = {
    "i18n": 0, "paths": 0, "__init__": 0,
    "logs": 0.5,
    "domain": 1,
    "store": 2,
    "sync": 3, "integrations": 3, "reports": 3,
    "services": 4,
    "cli": 5,
    "ui": 6,
    "app": 7,
    "__main__": 8,
}
QT_PACKAGES = {"PySide6", "shiboken6", "PyQt5", "PyQt6"}
PURE_FORBIDDEN = {"sqlalchemy", "alembic"}  # domain stays free of persistence


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _sources():
    for path in sorted(ROOT.rglob("*.py")):
        module = ".".join(("salesdesk", *path.relative_to(ROOT).with_suffix("").parts))
        yield module.removesuffix(".__init__"), path


def _imports(path: Path):
    """Every module an import statement names, top-level or inside a function."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno


def _violations(module: str, path: Path) -> list[str]:
    own = _layer(module)
    found = []
    for name, line in _imports(path):
        top = name.split(".")[0]
        where = f"{path.name}:{line} ({module}) imports {name}"
        if top in QT_PACKAGES and own != "ui":
            found.append(f"{where} (only salesdesk/ui may import Qt)")
        if top in PURE_FORBIDDEN and own == "domain":
            found.append(f"{where} (domain must not know the database)")
        if top != "salesdesk" or name == "salesdesk":
            continue
        target = _layer(name)
        if target == own:
            continue
        if RANKS[target] >= RANKS[own]:
            found.append(f"{where} ({own} may not import {target})")
    return found


def test_every_package_has_a_rank():
    packages = {_layer(module) for module, _ in _sources()}
    assert packages <= set(RANKS), packages - set(RANKS)


def test_layering_rule_holds():
    problems = [v for module, path in _sources() for v in _violations(module, path)]
    assert problems == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("salesdesk.domain.x", "import PySide6.QtCore", "only salesdesk/ui may import Qt"),
        ("salesdesk.store.x", "from salesdesk.services import customers", "store may not"),
        ("salesdesk.domain.x", "def f():\n    import sqlalchemy", "domain must not"),
        ("salesdesk.services.x", "from salesdesk.ui import main", "services may not import ui"),
        ("salesdesk.reports.x", "import salesdesk.sync.push", "reports may not import sync"),
    ],
)
def test_checker_catches_violations(tmp_path, module, source, expected):
    """The checker itself fails on each kind of breach (so the test above can fail)."""
    fake = tmp_path / "probe.py"
    fake.write_text(source)
    found = _violations(module, fake)
    assert any(expected in v for v in found), found
