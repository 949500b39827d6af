"""README.md as a newcomer uses it: the quick start block runs verbatim (bash, stopping at the first failing
step) against this checkout's build and reaches Pro and an AI answer; the Commands table lists every command
and option of the command line parser (`--experimental-dump-help`), and names nothing else."""
import json
import os
import re
import socket
import subprocess

import pytest

from conftest import BIN, REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()


def section(title: str) -> str:
    _, _, rest = README.partition(f"\n## {title}\n")
    assert rest, f"README has no '## {title}' section"
    return rest.split("\n## ", 1)[0]


def quick_start_block() -> str:
    blocks = re.findall(r"```sh\n(.*?)\n```", section("Quick start"), re.S)
    assert blocks, "the quick start has no sh block"
    return blocks[0]


@pytest.mark.timeout(1200)
def test_quick_start_runs_as_pasted(tmp_path):
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT is no obstacle
        try:
            probe.bind(("127.0.0.1", 8080))
        except OSError:
            pytest.fail("port 8080 is taken; the quick start serves on the default port")
    block = quick_start_block()
    # A clean newcomer's environment: nothing of a developer's Scritorio settings, the server's data and the
    # command line's sessions in this test's directory instead of ./.scritorio and ~/.config.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRITORIO_", "OPENAI_", "PADDLE_", "LEMONSQUEEZY_"))}
    env.pop("DATABASE_URL", None)
    env.update(SCRITORIO_DATA_DIR=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    # As pasted, but stopping at the first failing step, and stopping the server the block leaves running.
    script = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null; wait' EXIT\n" + block + "\n"
    run = subprocess.run(["bash", "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1100)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-4000:]
    assert "Email confirmed. Signed in as ada." in out, out[-4000:]
    free, pro = out.find("plan: free"), out.find("plan: pro")
    assert 0 <= free < pro, out[-4000:]
    assert "transaction: txn_" not in out  # captured into $TXN, not printed
    assert "The sandbox answers every prompt" in out, out[-4000:]  # the fake OpenAI's streamed words


def parser_commands() -> dict[str, set[str]]:
    """Every leaf command of the parser with its long options (`--help` aside)."""
    dump = json.loads(subprocess.run([str(BIN), "--experimental-dump-help"], capture_output=True, text=True, check=True).stdout)
    leaves: dict[str, set[str]] = {}

    def walk(command: dict, path: list[str]) -> None:
        subcommands = [c for c in command.get("subcommands") or [] if c["commandName"] != "help"]
        if not subcommands and path:
            leaves[" ".join(path)] = {
                name["name"] for argument in command.get("arguments", []) for name in argument.get("names") or []
                if name.get("kind") == "long" and name["name"] != "help"}
        for sub in subcommands:
            walk(sub, path + [sub["commandName"]])

    walk(dump["command"], [])
    return leaves


def test_commands_table_matches_the_parser():
    leaves = parser_commands()
    assert {"serve", "simulate paddle", "billing reconcile", "admin events", "account token"} <= set(leaves)
    groups = {" ".join(leaf.split()[:n]) for leaf in leaves for n in range(1, len(leaf.split()) + 1)}
    rows: dict[str, list[str]] = {}     # leaf -> first cells of its rows
    shared: dict[str, list[str]] = {}   # group -> options every command under it takes
    for line in section("Commands").splitlines():
        if not line.startswith("| "):
            continue
        cell = re.split(r"(?<!\\)\|", line)[1].strip()
        every = cell.startswith("every ")
        match = re.search(r"`scritorio ([^`]*)`", cell)
        if not match:
            continue
        words = match.group(1).split()
        path = next((" ".join(words[:n]) for n in range(len(words), 0, -1) if " ".join(words[:n]) in groups), None)
        assert path, f"README's Commands row names no command: {cell}"
        options = set(re.findall(r"--([a-z][a-z0-9-]*)", match.group(1)))
        if every:
            shared.setdefault(path, []).append(cell)
            for leaf in (l for l in leaves if l == path or l.startswith(path + " ")):
                assert options <= leaves[leaf], f"{cell}: {leaf} has no {sorted(options - leaves[leaf])}"
            continue
        assert path in leaves, f"README's Commands row names a group, not a command: {cell}"
        assert options <= leaves[path], f"{cell}: no such options {sorted(options - leaves[path])}"
        rows.setdefault(path, []).append(cell)
    missing = sorted(set(leaves) - set(rows))
    assert not missing, f"README's Commands table lacks: {missing}"
    for leaf, options in leaves.items():
        prefixes = [" ".join(leaf.split()[:n]) for n in range(1, len(leaf.split()) + 1)]
        documented = " ".join(rows[leaf] + [c for p in prefixes for c in shared.get(p, [])])
        undocumented = sorted(o for o in options if f"--{o}" not in documented)
        assert not undocumented, f"README's Commands table does not show {leaf}'s options {undocumented}"
