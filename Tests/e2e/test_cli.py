"""The command line: `scritorio migrate` on its own, then `serve` on the migrated store, and start-up output."""
import os
import re
import subprocess
import tempfile
import time

import httpx

from conftest import BIN, _free_port


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRITORIO_") and k != "DATABASE_URL"}
    env.update(extra)
    return env


def test_migrate_then_serve_prints_where_it_listens():
    with tempfile.TemporaryDirectory() as data:
        first = subprocess.run([str(BIN), "migrate", "--data-dir", data], env=_env(), capture_output=True, text=True, timeout=60)
        assert first.returncode == 0, first.stderr
        # Every known migration, in order from 1, applied once; the second run has nothing to do.
        match = re.search(r"applied ([0-9, ]+); schema at version (\d+)", first.stdout)
        assert match, first.stdout
        versions = [int(v) for v in match.group(1).split(", ")]
        latest = int(match.group(2))
        assert latest >= 6 and versions == list(range(1, latest + 1))
        again = subprocess.run([str(BIN), "migrate", "--data-dir", data], env=_env(), capture_output=True, text=True, timeout=60)
        assert again.returncode == 0 and f"up to date at version {latest}" in again.stdout

        port = _free_port()
        proc = subprocess.Popen(
            [str(BIN), "serve", "--port", str(port), "--data-dir", data],
            env=_env(SCRITORIO_PUBLISHABLE_KEY="sb_publishable_cli"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            lines = [proc.stdout.readline() for _ in range(4)]
            banner = "".join(lines)
            assert f"listening on http://127.0.0.1:{port}" in banner
            assert "store: sqlite" in banner and "publishable key: sb_publishable_cli" in banner
            # The banner is printed while the listener starts; give it a moment to accept connections.
            deadline = time.monotonic() + 15
            while True:
                try:
                    health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
                    break
                except httpx.ConnectError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            assert health["store"] == {"kind": "sqlite", "ok": True, "schemaVersion": latest}
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_bad_configuration_is_a_clear_error_not_a_crash():
    with tempfile.TemporaryDirectory() as data:
        result = subprocess.run(
            [str(BIN), "serve", "--data-dir", data], env=_env(SCRITORIO_EXTERNAL_URL="not a url"),
            capture_output=True, text=True, timeout=60)
        assert result.returncode != 0 and result.returncode < 128  # an error exit, not a signal
        assert "SCRITORIO_EXTERNAL_URL" in result.stderr + result.stdout
        sandbox = subprocess.run(
            [str(BIN), "serve", "--sandbox", "--host", "0.0.0.0", "--data-dir", data], env=_env(),
            capture_output=True, text=True, timeout=60)
        assert sandbox.returncode != 0 and "loopback" in sandbox.stderr + sandbox.stdout
