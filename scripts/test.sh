#!/usr/bin/env bash
# The one test command: Swift unit/integration tests, then Python end-to-end tests.
#
#   bash scripts/test.sh
#
# Starts a throwaway PostgreSQL (scripts/postgres.sh) with databases
# scritorio_test and scritorio_e2e and exports
#   SCRITORIO_TEST_POSTGRES_URL  postgres://postgres@127.0.0.1:PORT/scritorio_test  (swift test)
#   SCRITORIO_E2E_POSTGRES_URL   postgres://postgres@127.0.0.1:PORT/scritorio_e2e   (pytest)
# then runs `swift build --build-tests`, `swift test --skip-build`, a short run of each fuzz target
# (scripts/fuzz.sh), and `pytest Tests/e2e` (in the venv .build/e2e-venv) with SCRITORIO_BIN pointing
# at the debug `scritorio` binary. pytest runs last, so its summary line is the
# last line of runner output. Exit status is non-zero if any step failed.
#
# Environment:
#   SCRITORIO_TEST_FILTER  optional; passed to `swift test --filter`
#   SCRITORIO_FUZZ_SECONDS optional; seconds per fuzz target (default 15)
#   PG_BINDIR              optional; directory with initdb/pg_ctl (see scripts/postgres.sh)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

section() { printf '\n==> [%s] %s\n' "$(date '+%H:%M:%S')" "$*"; }

PG_DIR=""
# shellcheck disable=SC2317  # invoked via trap
cleanup() {
    if [[ -n "$PG_DIR" ]]; then
        bash "$ROOT/scripts/postgres.sh" stop "$PG_DIR" >/dev/null 2>&1 || true
        rm -rf "$PG_DIR" || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failed=()

# --- PostgreSQL -------------------------------------------------------------
section "Starting throwaway PostgreSQL"
PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/scritorio-pg.XXXXXX")
PG_PORT=$(bash scripts/postgres.sh start "$PG_DIR" scritorio_test scritorio_e2e)
export SCRITORIO_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:${PG_PORT}/scritorio_test"
export SCRITORIO_E2E_POSTGRES_URL="postgres://postgres@127.0.0.1:${PG_PORT}/scritorio_e2e"
echo "SCRITORIO_TEST_POSTGRES_URL=$SCRITORIO_TEST_POSTGRES_URL"
echo "SCRITORIO_E2E_POSTGRES_URL=$SCRITORIO_E2E_POSTGRES_URL"

# --- Swift ------------------------------------------------------------------
section "swift build --build-tests"
if ! swift build --build-tests; then
    echo "FAILED: swift build --build-tests" >&2
    exit 1
fi

section "swift test"
swift_test_args=(--skip-build)
if [[ -n "${SCRITORIO_TEST_FILTER:-}" ]]; then
    swift_test_args+=(--filter "$SCRITORIO_TEST_FILTER")
fi
if ! swift test "${swift_test_args[@]}"; then
    failed+=("swift test")
fi

# --- Fuzzing ----------------------------------------------------------------
# A short run of every libFuzzer target (scripts/fuzz.sh; SCRITORIO_FUZZ_SECONDS per target, 15 by default).
section "fuzz (scripts/fuzz.sh ${SCRITORIO_FUZZ_SECONDS:-15})"
if ! bash scripts/fuzz.sh "${SCRITORIO_FUZZ_SECONDS:-15}"; then
    failed+=("fuzz")
fi

# --- Python e2e -------------------------------------------------------------
section "e2e venv (.build/e2e-venv)"
VENV=.build/e2e-venv
REQ=Tests/e2e/requirements.txt
if [[ ! -f "$REQ" ]]; then
    echo "FAILED: $REQ not found" >&2
    exit 1
fi
# The venv is reused while requirements.txt and the Python version are unchanged.
req_hash=$( { cat "$REQ"; python3 --version 2>&1; } | sha256sum | cut -d' ' -f1)
if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c '' 2>/dev/null \
    && [[ "$(cat "$VENV/.requirements.sha256" 2>/dev/null || true)" == "$req_hash" ]]; then
    echo "reusing $VENV (requirements unchanged)"
else
    rm -rf "$VENV"
    mkdir -p .build
    if ! python3 -m venv "$VENV"; then
        echo "FAILED: python3 -m venv (on Debian: apt-get install -y python3-venv)" >&2
        exit 1
    fi
    if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off -q -r "$REQ"; then
        rm -rf "$VENV"
        echo "FAILED: pip install -r $REQ" >&2
        exit 1
    fi
    printf '%s\n' "$req_hash" >"$VENV/.requirements.sha256"
    echo "created $VENV"
fi

section "pytest Tests/e2e"
BIN_PATH=$(swift build --show-bin-path)
SCRITORIO_BIN="$BIN_PATH/scritorio"
if [[ ! -x "$SCRITORIO_BIN" ]]; then
    echo "FAILED: $SCRITORIO_BIN not found after swift build" >&2
    exit 1
fi
echo "SCRITORIO_BIN=$SCRITORIO_BIN"
export SCRITORIO_BIN
pytest_rc=0
"$VENV/bin/python" -m pytest Tests/e2e -q || pytest_rc=$?
if [[ $pytest_rc -eq 5 ]]; then
    failed+=("pytest (no tests collected)")
elif [[ $pytest_rc -ne 0 ]]; then
    failed+=("pytest (exit $pytest_rc)")
fi

if [[ ${#failed[@]} -gt 0 ]]; then
    printf 'FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
