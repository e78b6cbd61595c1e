#!/usr/bin/env bash
# vmsteer-test: parallel 62
# The CLI tests once more with the CLI built under AddressSanitizer and
# UBSan (make asan: build/asan/vmsteer): every CLI run of the tests of
# command-line and document parsing, of apply and of the ports' lifecycle
# (test_cli, test_apply, test_tx_apply, test_persist, test_layout,
# test_pending, test_hook, test_agent: the agent's binary too) must be
# free of leaks, invalid accesses and undefined behaviour. The long run
# (VMSTEER_TEST_FULL=1, make test-full) adds those of capacity, upgrades,
# the exporter, the monitor, the transmit path, queue steering and
# crashes. SANITIZE_TESTS names others; SANITIZE_JOBS (3) run at a time.
# Reports go to files (the sanitizers' log_path), so a finding fails the
# case even where the test expected the command to fail anyway.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SAN=$BUILD/asan/vmsteer
TESTS="cli apply tx_apply persist layout pending hook agent"
[ "${VMSTEER_TEST_FULL:-0}" = 1 ] &&
	TESTS="$TESTS capacity upgrade exporter monitor tx tx_tc rss rss_xdp crash crash_move crash_add"
TESTS=${SANITIZE_TESTS:-$TESTS}
JOBS=${SANITIZE_JOBS:-3}

if [ "$(id -u)" -ne 0 ]; then
	echo "skip sanitize: needs root"
	exit 0
fi
if [ ! -x "$SAN" ]; then
	echo "FAIL sanitize: $SAN not built (make asan)"
	exit 1
fi
logs=$(mktemp -d /tmp/vmsteer-sanitize.XXXXXX)
trap 'rm -rf "$logs"' EXIT
fails=0
# The tests run JOBS at a time (each in its own namespaces and pin path);
# their results are read in order once all ended.
running=0
for t in $TESTS; do
	mkdir -p "$logs/$t"
	(
		ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:log_path=$logs/$t/asan" \
			UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/$t/ubsan" \
			VMSTEER=$SAN BUILD=$BUILD bash "$ROOT/tests/netns/test_$t.sh" >"$logs/$t.out" 2>&1
		echo $? >"$logs/$t.rc"
	) &
	running=$((running + 1))
	if [ $running -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
for t in $TESTS; do
	rc=$(cat "$logs/$t.rc" 2>/dev/null || echo 1)
	n=$(grep -c '^ok ' "$logs/$t.out")
	reports=$(ls "$logs/$t" | wc -l)
	if [ "$reports" -gt 0 ]; then
		first=$(ls "$logs/$t" | head -n1)
		echo "FAIL sanitize-$t: $reports sanitizer report(s); first ($first): $(grep -m3 -E 'ERROR|SUMMARY|runtime error|#[0-9] ' "$logs/$t/$first" | tr '\n' '|' | head -c 600)"
		sed 's/^/# /' "$logs/$t/$first" | head -n 40
		fails=$((fails + 1))
	elif [ $rc -ne 0 ] || grep -q '^FAIL ' "$logs/$t.out"; then
		echo "FAIL sanitize-$t: test_$t.sh failed under the sanitizers ($rc): $(grep -m2 '^FAIL ' "$logs/$t.out" | tr '\n' '|')"
		fails=$((fails + 1))
	else
		echo "ok sanitize-$t ($n cases, no sanitizer report)"
	fi
done
[ $fails = 0 ]
