#!/usr/bin/env bash
# The CLI tests once more with the CLI built under AddressSanitizer and
# UBSan (make asan: build/asan/vmsteer): every CLI run of test_cli,
# test_apply, test_persist, test_layout, test_crash, test_capacity,
# test_upgrade, test_exporter, test_monitor, of the transmit path
# (test_tx, test_tx_tc, test_tx_apply), of queue steering (test_rss,
# test_rss_xdp; about 11 s together) and of the ports' lifecycle
# (test_pending, test_hook, test_agent: the agent's binary too) must be
# free of leaks,
# invalid accesses and undefined behaviour. Reports go to files (the
# sanitizers' log_path), so a finding fails the case even where the test
# expected the command to fail anyway.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SAN=$BUILD/asan/vmsteer
TESTS=${SANITIZE_TESTS:-cli apply persist layout crash capacity upgrade exporter monitor tx tx_tc tx_apply rss rss_xdp pending hook agent}

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
for t in $TESTS; do
	mkdir -p "$logs/$t"
	ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:log_path=$logs/$t/asan" \
		UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/$t/ubsan" \
		VMSTEER=$SAN BUILD=$BUILD bash "$ROOT/tests/netns/test_$t.sh" >"$logs/$t.out" 2>&1
	rc=$?
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
