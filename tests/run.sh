#!/usr/bin/env bash
# vmsteer test runner: unit tests, then network-namespace integration tests.
#
#   tests/run.sh [unit|compilers|netns] [FILTER]
#
# Every test program prints one line per test case:
#   ok NAME            the case passed
#   FAIL NAME: WHY     the case failed
#   skip NAME: WHY     the case could not run here (not counted)
# A program that exits non-zero without printing a FAIL line counts as one
# failure. The last line is "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD VMSTEER="$PWD/$BUILD/vmsteer"
what=${1:-all}
filter=${2:-}

passed=0
failed=0
failures=()

run_prog() { # NAME CMD...
	local name=$1 out rc line
	shift
	out=$(mktemp)
	"$@" > >(tee "$out") 2>&1
	rc=$?
	wait
	local p f
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^FAIL ' "$out")
	while IFS= read -r line; do failures+=("$line"); done < <(grep '^FAIL ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		failures+=("FAIL $name: exited with status $rc")
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	rm -f "$out"
}

if [ "$what" = all ] || [ "$what" = unit ]; then
	echo "== unit tests"
	# A private network namespace: test devmap entries name its loopback.
	run_prog unit unshare -n "$BUILD/tests/unit_tests" $filter
fi

if [ "$what" = all ] || [ "$what" = compilers ]; then
	echo "== compiler matrix (tests/compilers.sh)"
	run_prog compilers tests/compilers.sh
fi

if [ "$what" = all ] || [ "$what" = netns ]; then
	echo "== network namespace tests"
	for t in tests/netns/test_*.sh; do
		[ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
		echo "-- $t"
		run_prog "$t" timeout 600 bash "$t"
	done
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "Failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
