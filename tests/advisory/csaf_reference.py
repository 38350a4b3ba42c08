"""The reference CSAF validator for tests: the BSI csaf-validator-lib under node.

`csaf_reference_validate(documents)` runs the strict CSAF 2.0 schema test and every mandatory test
of section 6.1 over a batch of documents in ONE node process (call it once per module with all the
documents the module checks) and returns one `{"isValid", "errors": [{test, instancePath,
message}]}` per document, in order. The library is installed by scripts/csaf-validator-install into
tests/advisory/csaf_validator/node_modules. Under CI=true a missing node or library (after trying
the install script) fails the run; elsewhere the tests that need it skip, saying why.

Use it from a module-scoped fixture that batches the module's documents, calling
`reference_validator()`, or take the session fixture `csaf_reference_validate` (import it into a
conftest.py: imported into the test module that uses it, ruff reads the parameter as a redefinition).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR_DIR = Path(__file__).resolve().parent / "csaf_validator"
INSTALL_SCRIPT = ROOT / "scripts" / "csaf-validator-install"
LIBRARY = VALIDATOR_DIR / "node_modules" / "@secvisogram" / "csaf-validator-lib" / "package.json"

ReferenceValidate = Callable[[Sequence[dict[str, Any]]], list[dict[str, Any]]]


def _unavailable(reason: str) -> None:
    from tests.conftest import IN_CI

    if IN_CI:
        pytest.fail(reason + " (CI=true: the CSAF reference validator must run)", pytrace=False)
    pytest.skip(reason)


def _node() -> str:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        _unavailable("node is not installed: the CSAF reference validator cannot run")
    assert node is not None
    if not LIBRARY.exists():
        try:
            subprocess.run([str(INSTALL_SCRIPT)], check=True, capture_output=True, text=True, timeout=240)
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            _unavailable(f"scripts/csaf-validator-install failed: {detail.strip()}")
    if not LIBRARY.exists():
        _unavailable("@secvisogram/csaf-validator-lib is not installed (run scripts/csaf-validator-install)")
    return node


def reference_validate(node: str, documents: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run the reference validator once over `documents`; one result per document."""
    completed = subprocess.run(
        [node, str(VALIDATOR_DIR / "validate.mjs")],
        input=json.dumps(list(documents), ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        cwd=VALIDATOR_DIR,
        check=False,
    )
    if completed.returncode != 0:
        raise AssertionError(f"the CSAF reference validator failed: {completed.stderr.strip()}")
    results: list[dict[str, Any]] = json.loads(completed.stdout)
    assert len(results) == len(documents)
    return results


def reference_validator() -> ReferenceValidate:
    """The reference validator as a function of a batch; skips (fails under CI) when it cannot run."""
    node = _node()
    return lambda documents: reference_validate(node, documents)


@pytest.fixture(scope="session")
def csaf_reference_validate() -> ReferenceValidate:
    """Validate a batch of CSAF documents with the reference validator (schema + mandatory tests)."""
    return reference_validator()
