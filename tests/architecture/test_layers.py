"""The layers run one way, and a change that breaks them fails here (not only in review).

`lint-imports` checks the contracts in pyproject.toml. The negative test copies the package to
a temporary folder, adds one forbidden import, and expects the linter to name the broken
contract, so a contract that cannot fail is caught too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} is missing: install requirements-dev.txt")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _copy_tree(target: Path) -> Path:
    for name in ("analytics", "app_pages"):
        shutil.copytree(REPO / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", target / "pyproject.toml")
    return target


def test_the_import_contracts_hold() -> None:
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden_import", "contract"),
    [
        (
            "analytics/demo/__init__.py",
            "import analytics.api.queries",
            "The demo server depends on the contract and the config reader only",
        ),
        (
            "analytics/api/errors.py",
            "import streamlit",
            "The API module never imports Streamlit, the dashboard or the demo",
        ),
        (
            "analytics/contract.py",
            "import analytics.api",
            "The vocabulary and the config reader import nothing of the project",
        ),
        (
            "analytics/api/queries.py",
            "import analytics.dashboard",
            "Layers run one way",
        ),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tmp_path: Path, module: str, forbidden_import: str, contract: str
) -> None:
    root = _copy_tree(tmp_path)
    path = root / module
    path.write_text(path.read_text() + f"\n{forbidden_import}  # noqa\n")
    result = _lint_imports(root)
    assert result.returncode != 0, result.stdout
    assert contract in result.stdout
    assert "BROKEN" in result.stdout


@pytest.mark.parametrize(
    ("package", "must_not_load"),
    [
        # The demo stands in for IBM's API on its own: importing it pulls in no client code.
        ("analytics.demo", ("analytics.api", "analytics.dashboard", "requests_cache", "redis")),
        ("analytics.api", ("streamlit", "analytics.demo", "analytics.dashboard", "fastapi")),
        ("analytics.reports", ("streamlit",)),
    ],
)
def test_importing_a_package_does_not_load_what_it_must_not_use(
    package: str, must_not_load: tuple[str, ...]
) -> None:
    code = (
        f"import sys, {package}; "
        f"print(','.join(sorted(m for m in sys.modules if m.startswith({must_not_load!r}))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == ""
