"""The store is the only way into the database: no other layer imports a database library or a store internal.

Every module under ``sheetsync/`` except ``sheetsync/store`` is read with ``ast`` (the emulator, which keeps its
own files in SQLite, is the separate ``gsheets_emulator`` distribution): an import of
``sqlalchemy``, ``psycopg`` or ``sqlite3`` (anywhere, also inside a function), or of a private name
(``_x``) from ``sheetsync.store``, fails here with the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "sheetsync"
EXEMPT = ("store",)
DATABASE_LIBRARIES = ("sqlalchemy", "psycopg", "psycopg2", "sqlite3")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in EXEMPT)


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    """The module an import names, relative ones resolved against the file's package."""
    if not node.level:
        return node.module or ""
    package = ["sheetsync", *path.relative_to(PACKAGE).parent.parts]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def breaches(path: Path) -> list[str]:
    """What `path` imports that only the store may: ``file:line what``."""
    where = path.relative_to(PACKAGE.parent)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            named = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(path, node)
            named = [module]
            if module == "sheetsync.store" or module.startswith("sheetsync.store."):
                named += [f"{module}.{a.name}" for a in node.names if a.name.startswith("_")]
                if any(part.startswith("_") for part in module.split(".")):
                    found.append(f"{where}:{node.lineno} imports the store's private module {module}")
        else:
            continue
        for name in named:
            if name.split(".")[0] in DATABASE_LIBRARIES:
                found.append(f"{where}:{node.lineno} imports {name} (only sheetsync.store may)")
            elif name.startswith("sheetsync.store.") and name.rsplit(".", 1)[1].startswith("_"):
                found.append(f"{where}:{node.lineno} imports the store's private {name}")
    return found


def test_no_layer_but_the_store_imports_a_database_library_or_a_store_internal():
    modules = _modules()
    assert len(modules) > 50, "the walk found too few modules: is PACKAGE right?"
    problems = [b for p in modules for b in breaches(p)]
    assert not problems, "use a store method instead:\n" + "\n".join(problems)


@pytest.mark.parametrize(("source", "expected"), [
    ("import sqlalchemy", "imports sqlalchemy"),
    ("from sqlalchemy.orm import Session", "imports sqlalchemy.orm"),
    ("def f():\n    import psycopg\n", "imports psycopg"),
    ("import sqlite3 as db", "imports sqlite3"),
    ("from ..store.tasks import _check_version", "private sheetsync.store.tasks._check_version"),
    ("from sheetsync.store import _x", "private sheetsync.store._x"),
    ("from ..store._hidden import thing", "private module sheetsync.store._hidden"),
])
def test_the_check_sees_each_kind_of_breach(tmp_path, monkeypatch, source, expected):
    fake = tmp_path / "sheetsync"
    (fake / "sync").mkdir(parents=True)
    module = fake / "sync" / "mod.py"
    module.write_text(source + "\n", encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.PACKAGE", fake)
    found = breaches(module)
    assert found and expected in found[0], found


def test_public_store_imports_and_other_libraries_pass(tmp_path, monkeypatch):
    fake = tmp_path / "sheetsync"
    (fake / "sync").mkdir(parents=True)
    module = fake / "sync" / "mod.py"
    module.write_text("from ..store import Store\nfrom ..store.values import loads\nimport json\n"
                      "from ..cli._store import open_store\n", encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.PACKAGE", fake)
    assert breaches(module) == []
