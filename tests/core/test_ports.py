"""Apps depend one way. A lower app causes work in a higher one only through a port it declares
(`apps.core.ports`), which the higher app connects when Django starts; the import contract in
pyproject.toml fails the build on any import against the layers, naming the rule and the line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Protocol

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.core.ports import Port, PortNotConnected


class Greeter(Protocol):
    def greet(self, name: str) -> str: ...


class English:
    def greet(self, name: str) -> str:
        return f"Hello, {name}"


def test_a_port_nobody_connected_says_which_app_should_have():
    port: Port[Greeter] = Port("demo.greeter", Greeter, provider="apps.demo")
    with pytest.raises(PortNotConnected, match=r"demo\.greeter.*apps\.demo.*INSTALLED_APPS"):
        port.get()
    port.connect(English())
    assert port.get().greet("Ada") == "Hello, Ada"


def test_an_implementation_missing_a_call_or_taking_other_arguments_is_refused():
    class Mute:
        pass

    class Rude:
        def greet(self, name: str, shout: bool) -> str:
            return name.upper()

    port: Port[Greeter] = Port("demo.greeter", Greeter, provider="apps.demo")
    with pytest.raises(ImproperlyConfigured, match=r"does not implement demo\.greeter: greet"):
        port.connect(Mute())
    with pytest.raises(ImproperlyConfigured, match="does not match"):
        port.connect(Rude())
    assert not port.connected
    port.connect(English())
    with pytest.raises(ImproperlyConfigured, match="already connected to English"):
        port.connect(type("French", (English,), {})())


def test_the_risk_engine_is_connected_to_the_ledger_and_the_cheque_pipeline_at_start():
    from apps.cheques.ports import risk_engine as cheques
    from apps.fraud.providers import ChequeRiskEngine, TransactionRiskEngine
    from apps.transactions.ports import risk_engine as transactions

    assert isinstance(transactions.get(), TransactionRiskEngine)
    assert isinstance(cheques.get(), ChequeRiskEngine)


def _lint_imports(tree: Path) -> subprocess.CompletedProcess:
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(lint), "--no-cache"], cwd=tree, capture_output=True, text=True, timeout=120,
                          env={"PATH": str(lint.parent), "PYTHONPATH": str(tree)})  # fmt: skip


def test_an_import_against_the_layers_fails_the_build_and_names_the_rule(tmp_path):
    base = Path(settings.BASE_DIR)
    for name in ("apps", "chequecloud"):
        shutil.copytree(base / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(base / "pyproject.toml", tmp_path)
    assert _lint_imports(tmp_path).returncode == 0

    with (tmp_path / "apps" / "core" / "health.py").open("a") as fh:
        fh.write("\n\ndef _open_cases():\n    from apps.fraud.models import Case\n\n    return Case.objects.count()\n")
    broken = _lint_imports(tmp_path)
    assert broken.returncode != 0
    assert "Apps depend one way" in broken.stdout
    assert "apps.core is not allowed to import apps.fraud" in broken.stdout
    assert "apps.core.health -> apps.fraud.models" in broken.stdout
