#!/usr/bin/env bash
# vmsteer test runner: unit tests, network-namespace integration tests and
# the compiler matrix.
#
#   tests/run.sh [unit|compilers|netns|all] [FILTER]
#
# Every test program prints one line per test case:
#   ok NAME            the case passed
#   FAIL NAME: WHY     the case failed
#   skip NAME: WHY     the case could not run here (not counted)
# A program that exits non-zero without printing a FAIL line counts as one
# failure. The last line is "N passed, N failed".
#
# The netns test files run TEST_JOBS at a time (default: the CPU count,
# at least 3: most of a file's time is spent waiting on its namespaces,
# not computing); in a whole run (all) the unit tests and the compiler
# matrix are two more jobs of that pool. Each file's output is printed
# whole when it ends, with its duration; a table of durations, slowest
# first, ends the run. Files
# start slowest first: by the durations of the previous run
# ($BUILD/tests/durations) when there was one, else by the seconds the
# file's header declares (a fresh clone), else as a short file (10 s).
#
# A file declares how it may run, and optionally how long it takes in
# make test on the quiet 2-core machine, in a header line:
#   # vmsteer-test: parallel [SECS]  (the default) alongside other files:
#                              it uses only its own namespaces, pin path,
#                              temp dir and processes (lib.sh names them
#                              after the file and its PID)
#   # vmsteer-test: serial [SECS]    alone, after the parallel ones: it
#                              needs the machine to itself or touches
#                              shared state
#   # vmsteer-test: full [SECS]      only in the long run (make test-full)
# The budget (README, "Tests"): a file of make test declares SECS when it
# takes over 20 s, and stays under 90 s; longer runs go to make test-full.
# Each file's wall time and CPU time (user + system of its processes)
# are printed; the CPU time is the steadier figure on a shared machine.
# VMSTEER_TEST_FULL=1 (make test-full) also tells files to run their long
# forms: every crash point, the sanitizer over every CLI test.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD VMSTEER="$PWD/$BUILD/vmsteer"
export VMSTEER_TEST_FULL=${VMSTEER_TEST_FULL:-0}
what=${1:-all}
filter=${2:-}
jobs=${TEST_JOBS:-$(nproc)}
[ "$jobs" -ge 3 ] || jobs=3

passed=0
failed=0
failures=()
t_start=$(date +%s.%N)

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# count NAME RC OUTFILE: add a finished program's results to the totals.
count() {
	local name=$1 rc=$2 out=$3 p f line
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^FAIL ' "$out")
	while IFS= read -r line; do failures+=("$line"); done < <(grep '^FAIL ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		failures+=("FAIL $name: exited with status $rc")
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

# step NAME CMD...: run a program in the foreground, output as it comes.
step() {
	local name=$1 out rc t0
	shift
	out=$(mktemp)
	t0=$(now)
	"$@" > >(tee "$out") 2>&1
	rc=$?
	wait
	count "$name" "$rc" "$out"
	rm -f "$out"
	echo "-- $name: $(secs "$t0" "$(now)") s"
}

# The unit tests, in a private network namespace: test devmap entries name
# its loopback.
UNIT=(unshare -n "$BUILD/tests/unit_tests" $filter)
if [ "$what" = unit ]; then
	echo "== unit tests"
	step "unit tests" "${UNIT[@]}"
fi

# The unit tests (in a whole run) and the compiler matrix
# (tests/compilers.sh) are jobs of the netns pool: they compute while the
# namespace tests wait (the unit tests alone would leave a CPU idle).
if [ "$what" = all ] || [ "$what" = netns ] || [ "$what" = compilers ]; then
	durations=$BUILD/tests/durations
	mkdir -p "$BUILD/tests"
	touch "$durations"
	par=()
	ser=()
	declare -A declared=()
	files=(tests/netns/test_*.sh)
	# (the unit tests' job name: their program's path)
	UNIT_JOB=
	[ "$what" = all ] && UNIT_JOB=$BUILD/tests/unit_tests && par+=("$UNIT_JOB") && declared[$UNIT_JOB]=20
	[ "$what" = netns ] || par+=(tests/compilers.sh)
	[ "$what" = compilers ] && files=()
	declared[tests/compilers.sh]=$(sed -n 's/^# vmsteer-test: *[a-z]* \([0-9]*\).*/\1/p' tests/compilers.sh | head -n1)
	for t in "${files[@]}"; do
		[ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
		mode=$(sed -n 's/^# vmsteer-test: *\([a-z]*\).*/\1/p' "$t" | head -n1)
		declared[$t]=$(sed -n 's/^# vmsteer-test: *[a-z]* \([0-9]*\).*/\1/p' "$t" | head -n1)
		case ${mode:-parallel} in
		parallel) par+=("$t") ;;
		serial) ser+=("$t") ;;
		full) [ "$VMSTEER_TEST_FULL" = 1 ] && ser+=("$t") ;;
		*) echo "FAIL $t: unknown '# vmsteer-test: $mode'"; failed=$((failed + 1)) ;;
		esac
	done
	# Slowest first (the last run's time, else the declared one; a file
	# that declares none takes under 20 s by the budget's rule), so that
	# the long ones do not start last.
	if [ ${#par[@]} -gt 0 ]; then
		mapfile -t par < <(for t in "${par[@]}"; do
			d=$(awk -v t="$t" '$2 == t { d = $1 } END { print d + 0 }' "$durations")
			[ "$d" = 0 ] && d=${declared[$t]:-0}
			[ "$d" = 0 ] && d=10
			echo "$d $t"
		done | sort -k1,1nr -k2,2 | cut -d' ' -f2)
	fi
	echo "== ${UNIT_JOB:+unit tests, }network namespace tests and compiler matrix (${#par[@]} in parallel, $jobs at a time; ${#ser[@]} alone)"
	logs=$(mktemp -d /tmp/vmsteer-run.XXXXXX)
	trap 'rm -rf "$logs"' EXIT
	declare -A pid_of=() start_of=()
	new_durations=()

	# finish T: print a finished file's output and count it.
	finish() {
		local t=$1 b rc d cpu
		b=$(basename "$t" .sh)
		rc=$(cat "$logs/$b.rc" 2>/dev/null || echo 1)
		d=$(secs "${start_of[$t]}" "$(cat "$logs/$b.end" 2>/dev/null || now)")
		# bash's `times`, second line: its children's user and system
		# time ("1m2.500s 0m3.250s").
		cpu=$(sed -n 2p "$logs/$b.times" 2>/dev/null | tr 'ms' '  ' |
			awk 'NF == 4 { printf "%.1f", $1 * 60 + $2 + $3 * 60 + $4 }')
		echo "-- $t (${d} s, cpu ${cpu:-?} s)"
		cat "$logs/$b.out"
		count "$t" "$rc" "$logs/$b.out"
		new_durations+=("$d $t ${cpu:-?}")
	}
	# launch T: start a file in the background; its status and end time
	# go to files.
	launch() {
		local t=$1 b cmd=(bash "$1")
		b=$(basename "$t" .sh)
		[ "$t" = "$UNIT_JOB" ] && cmd=("${UNIT[@]}")
		start_of[$t]=$(now)
		(
			timeout 600 "${cmd[@]}" >"$logs/$b.out" 2>&1
			echo $? >"$logs/$b.rc"
			now >"$logs/$b.end"
			times >"$logs/$b.times"
		) &
		pid_of[$t]=$!
	}
	# reap: wait for one running file to end and report it.
	reap() {
		local t
		wait -n 2>/dev/null
		for t in "${!pid_of[@]}"; do
			if ! kill -0 "${pid_of[$t]}" 2>/dev/null; then
				wait "${pid_of[$t]}" 2>/dev/null
				finish "$t"
				unset "pid_of[$t]"
			fi
		done
	}
	for t in "${par[@]}"; do
		while [ ${#pid_of[@]} -ge "$jobs" ]; do reap; done
		launch "$t"
	done
	while [ ${#pid_of[@]} -gt 0 ]; do reap; done
	for t in "${ser[@]}"; do
		launch "$t"
		while [ ${#pid_of[@]} -gt 0 ]; do reap; done
	done

	if [ ${#new_durations[@]} -gt 0 ]; then
		echo
		echo "Durations, slowest first (wall s, file, cpu s):"
		printf '%s\n' "${new_durations[@]}" | sort -k1,1nr | sed 's/^/  /'
		# Keep the other files' figures when a FILTER ran only some.
		{
			printf '%s\n' "${new_durations[@]}"
			grep -v -F -f <(printf '%s\n' "${new_durations[@]}" | cut -d' ' -f2) "$durations"
		} >"$durations.tmp"
		mv "$durations.tmp" "$durations"
	fi
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "Failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo
echo "$passed passed, $failed failed ($(secs "$t_start" "$(now)") s)"
[ "$failed" -eq 0 ]
