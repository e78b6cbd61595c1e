#!/usr/bin/env bash
# A CI-sized libFuzzer session over the config parser and validator
# (tests/fuzz/fuzz_config.c): a bounded number of runs from the seed corpus,
# no crash, leak or round-trip mismatch. Needs no namespace; `make fuzz`
# runs it for longer.
. "$(dirname "$0")/lib.sh"
FUZZ=$BUILD/tests/fuzz_config
RUNS=${FUZZ_RUNS:-200000}

if [ ! -x "$FUZZ" ]; then
	echo "FAIL fuzz-config: $FUZZ not built (make test-progs)"
	exit 1
fi
work=$(mktemp -d /tmp/vmsteer-fuzz-config.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$FUZZ_ARTIFACTS"
# The first corpus directory is where libFuzzer writes: a temporary one,
# so the seeds in the repository stay as they are.
timeout 300 "$FUZZ" -runs="$RUNS" -max_len=4096 \
	-seed=1 -dict="$ROOT/tests/fuzz/config.dict" \
	-artifact_prefix="$FUZZ_ARTIFACTS/config-" "$work" "$ROOT/tests/fuzz/corpus" \
	>"$work/log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	echo "FAIL fuzz-config: fuzzer exited with $rc: $(grep -m1 -E 'ERROR|round trip|SUMMARY' "$work/log")"
	ls "$FUZZ_ARTIFACTS"/config-* 2>/dev/null | tail -n 3 | sed 's/^/# reproducer: /'
	exit 1
fi
done_line=$(grep -m1 '^Done ' "$work/log")
echo "ok fuzz-config (${done_line:-finished})"
