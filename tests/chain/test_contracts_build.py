"""The committed ABI and bytecode are what the pinned solc makes of the committed sources."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
NODE_TOOLS = ROOT / "shop" / "chain" / "node"
CONTRACTS = ROOT / "shop" / "chain" / "contracts"


def _node() -> str:
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "needs Node.js on PATH"
    elif not (NODE_TOOLS / "node_modules" / "solc").exists():
        problem = "needs the Solidity compiler: `npm ci --prefix shop/chain/node` (make install-test does it)"
    if problem:
        if os.environ.get("SOKO_REQUIRE_SERVICES") == "1":
            pytest.fail(f"SOKO_REQUIRE_SERVICES=1 but this test {problem}", pytrace=False)
        pytest.skip(problem)
    return node


def _check(node: str, compile_script: Path) -> subprocess.CompletedProcess:
    return subprocess.run([node, str(compile_script), "--check"], capture_output=True, text=True, timeout=300)


def test_committed_build_matches_a_fresh_compile():
    result = _check(_node(), NODE_TOOLS / "compile.mjs")
    assert result.returncode == 0, result.stderr
    built = {path.stem for path in (CONTRACTS / "build").glob("*.json")}
    assert {"SokoEscrow", "TestStablecoin"} <= built


def test_an_edited_source_without_a_new_build_is_caught(tmp_path):
    node = _node()
    tools = tmp_path / "node"
    tools.mkdir()
    shutil.copy(NODE_TOOLS / "compile.mjs", tools / "compile.mjs")
    (tools / "node_modules").symlink_to(NODE_TOOLS / "node_modules")
    shutil.copytree(CONTRACTS, tmp_path / "contracts")
    escrow = tmp_path / "contracts" / "SokoEscrow.sol"
    escrow.write_text(escrow.read_text().replace('"zero amount"', '"amount is zero"'))

    result = _check(node, tools / "compile.mjs")

    assert result.returncode == 1
    assert "SokoEscrow.json differs" in result.stderr
    assert "TestStablecoin.json differs" not in result.stderr
