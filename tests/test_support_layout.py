"""The harness layout holds: what tests and bench share lives in tests/support, neither imports the
other's modules, and the recorded fixtures' path is defined once (tests/support/paths.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import FIXTURES, ROOT

SUPPORT = "tests.support"


def modules(folder: str) -> list[Path]:
    """Every Python file under a folder of the repository."""
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def imported(path: Path) -> list[str]:
    """Every module a file imports, at any depth (imports inside functions too), by full name;
    `from tests import x` counts as `tests.x`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
            if node.module in ("tests", "bench"):
                found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def is_under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_no_module_under_tests_imports_bench():
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in modules("tests")
        for module in imported(path)
        if is_under(module, "bench")
    ]
    assert offenders == []


def test_bench_imports_from_tests_only_the_support_package():
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in modules("bench")
        for module in imported(path)
        if is_under(module, "tests") and module != "tests" and not is_under(module, SUPPORT)
    ]
    assert offenders == []


def test_the_support_package_imports_no_test_module_or_conftest():
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in modules("tests/support")
        for module in imported(path)
        if is_under(module, "tests") and module != "tests" and not is_under(module, SUPPORT)
    ]
    assert offenders == []


def _strings(tree: ast.AST):
    """String constants of a module, docstrings left out."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node.value


def test_the_fixtures_path_is_defined_once():
    assert FIXTURES.is_dir()
    exempt = {ROOT / "tests" / "support" / "paths.py", Path(__file__).resolve()}
    offenders = [
        str(path.relative_to(ROOT))
        for path in modules("tests") + modules("bench")
        if path not in exempt
        and any(
            s == "fixtures" or s.rstrip("/").endswith("tests/fixtures")
            for s in _strings(ast.parse(path.read_text(), str(path)))
        )
    ]
    assert offenders == []
