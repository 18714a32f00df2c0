"""The domain core never imports adapters, projections or SQL code."""

from __future__ import annotations

import ast
from pathlib import Path

import casetrack

FORBIDDEN = ("adapters", "projections", "sqlalchemy", "sqlite3", "psycopg")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_casetrack_imports_no_adapter_projection_or_sql_module() -> None:
    package = Path(casetrack.__file__).parent
    offenders = {
        f"{path.relative_to(package)}: {module}"
        for path in package.rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN
    }
    assert offenders == set()


def test_the_import_walk_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlalchemy\nfrom adapters.piaf_reader import PiafReader\n")
    assert {"sqlalchemy", "adapters.piaf_reader"} <= imported_modules(bad)


def package_imports(name: str) -> set[str]:
    """Every module a package's files import, absolute imports only."""
    root = Path(casetrack.__file__).parent.parent / name
    return {module for path in root.rglob("*.py") for module in imported_modules(path)}


def test_adapters_never_import_projections() -> None:
    assert {m for m in package_imports("adapters") if m.split(".")[0] == "projections"} == set()


def test_projections_reach_adapters_only_for_the_stores_sql_engine() -> None:
    # The read models share the store's database with ingestion, and nothing else.
    found = {m for m in package_imports("projections") if m.split(".")[0] == "adapters"}
    assert found <= {"adapters.sql_engine"}
