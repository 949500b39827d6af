#!/usr/bin/env bash
# Fuzzes the parsers that read untrusted bytes with libFuzzer (Swift's -sanitize=fuzzer, every Swift module
# instrumented): Paddle and Lemon Squeezy webhook bodies and Paddle-Signature headers, JWTs and JWK sets,
# multipart forms, the SSE usage scanner, WAV and Ogg audio readers, licence keys, AI request bodies.
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 seconds, every target)
#
# The harness is the package in Fuzz/ (kept apart so the main build never links libFuzzer). Each target starts
# from seeds (the test fixtures and a few hand-made inputs) and keeps what it learns in .build/fuzz/corpus/TARGET.
# A crash, trap or timeout is written to .build/fuzz/crashes/TARGET/ and fails the run; the summary prints each
# target's executions and findings.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
if [[ ${#TARGETS[@]} -eq 0 ]]; then
    TARGETS=(paddle-webhook lemonsqueezy-webhook jwt multipart sse audio license-key ai-request)
fi

echo "==> building the fuzz targets (release, -sanitize=fuzzer)"
swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer 2>&1 | grep -E 'error|warning: .*Fuzz/|Compiling scritorio-fuzz|Build complete' || true
BIN="$(swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer --show-bin-path)/scritorio-fuzz"
[[ -x "$BIN" ]] || { echo "FAILED: no fuzz binary at $BIN" >&2; exit 1; }

WORK=.build/fuzz
seed() {  # seed TARGET NAME CONTENT
    mkdir -p "$WORK/seeds/$1"
    printf '%b' "$3" > "$WORK/seeds/$1/$2"
}
rm -rf "$WORK/seeds"
mkdir -p "$WORK/seeds"/{paddle-webhook,lemonsqueezy-webhook}
cp Tests/Fixtures/paddle/*.json "$WORK/seeds/paddle-webhook/"
cp Tests/Fixtures/lemonsqueezy/*.json "$WORK/seeds/lemonsqueezy-webhook/"
seed paddle-webhook header 'ts=1700000000;h1=abc;h1=def'
seed jwt token 'eyJhbGciOiJFUzI1NiIsImtpZCI6ImZ1enotZXMiLCJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ4In0.c2ln'
seed jwt jwks '{"keys":[{"kty":"EC","crv":"P-256","kid":"k","x":"TfFFl6ZSUiaIGubTuv9Nb5LiyPpkOg5E_hscwDNgXcg","y":"vw-vis4kMEeAPM0wEeF9JNs0v00AcEAJyxNLSAG07gE"}]}\neyJhbGciOiJFUzI1NiJ9.e30.c2ln'
seed multipart form 'multipart/form-data; boundary=XyZ\n--XyZ\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n--XyZ--\r\n'
seed sse stream 'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\ndata: [DONE]\n\n'
seed audio wav 'RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00'
seed audio ogg 'OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x13OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00'
seed license-key key 'SCR-0000A-1111B-2222C-3333D'
seed ai-request chat '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true},"max_tokens":5,"n":2}'

failed=0
summary=()
for target in "${TARGETS[@]}"; do
    corpus="$WORK/corpus/$target"
    crashes="$WORK/crashes/$target"
    mkdir -p "$corpus" "$crashes" "$WORK/seeds/$target"
    log="$WORK/$target.log"
    echo "==> $target (${SECONDS_EACH}s)"
    set +e
    SCRITORIO_FUZZ_TARGET="$target" "$BIN" "$corpus" "$WORK/seeds/$target" \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$crashes/" -print_final_stats=1 > "$log" 2>&1
    status=$?
    set -e
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    found=$(find "$crashes" -type f | wc -l)
    summary+=("$target: $runs executions, $found findings (exit $status)")
    if [[ $status -ne 0 || $found -ne 0 ]]; then
        failed=1
        echo "FAILED: $target (exit $status); findings in $crashes:" >&2
        grep -E 'ERROR|SUMMARY|Fatal error|panic' "$log" | head -20 >&2 || true
    fi
done

echo
echo "==> fuzz summary (${SECONDS_EACH}s per target)"
printf '%s\n' "${summary[@]}"
exit $failed
