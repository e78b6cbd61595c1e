#!/usr/bin/env bash
# vmsteer-test: parallel 100
# Compiler matrix: build every BPF object (bpf/ and tests/bpf/) with each
# supported clang at -Werror, and load every program into the running
# kernel with tests/tools/loadall (its verifier statistics on each "ok"
# line). With COMPILER_UNIT=1, also build the unit tests over each
# compiler's objects and run them (CI does; `make test` loads only).
#
#   tests/compilers.sh [CLANG...]   default: $VMSTEER_CLANGS or
#                                   "clang-14 clang-16 clang-19"
#
# Each compiler builds into $BUILD/cc/CLANG. Output: the test runner's
# ok/FAIL lines, prefixed with the compiler.
set -u -o pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
# shellcheck disable=SC2206
clangs=(${VMSTEER_CLANGS:-clang-14 clang-16 clang-19})
[ $# -gt 0 ] && clangs=("$@")
loadall=$BUILD/tests/loadall
[ -x "$loadall" ] || { echo "FAIL compilers: $loadall not built (make test-progs)"; exit 1; }

for cc in "${clangs[@]}"; do
	if ! command -v "$cc" >/dev/null; then
		echo "FAIL compilers/$cc: not installed (scripts/install-deps.sh installs it)"
		continue
	fi
	out=$BUILD/cc/$cc
	# The default compiler's objects are the main build's.
	[ "$(readlink -f "$(command -v "$cc")")" = "$(readlink -f "$(command -v "${CLANG:-clang}")")" ] &&
		out=$BUILD
	log=$BUILD/cc/$cc.log
	mkdir -p "$out" "$BUILD/cc"
	if make --no-print-directory -j2 BUILD="$out" CLANG="$cc" bpf-objs >"$log" 2>&1; then
		echo "ok compilers/$cc/build: $("$cc" --version | head -n1)"
	else
		echo "FAIL compilers/$cc/build: $(grep -m3 -E 'error|warning' "$log" | tr '\n' ' ')(log: $log)"
		continue
	fi
	"$loadall" -t "$cc" "$out"/bpf/*.bpf.o "$out"/tests/bpf/*.bpf.o
	[ "${COMPILER_UNIT:-0}" = 1 ] || continue
	# The default compiler's unit tests are tests/run.sh's own.
	[ "$out" != "$BUILD" ] || continue
	if ! make --no-print-directory -j2 BUILD="$out" CLANG="$cc" \
		"$out/tests/unit_tests" >>"$log" 2>&1; then
		echo "FAIL compilers/$cc/unit-build: $(grep -m3 error "$log" | tr '\n' ' ')(log: $log)"
		continue
	fi
	# As tests/run.sh runs them: in a private network namespace.
	unshare -n "$out/tests/unit_tests" 2>&1 | sed -e "s|^ok |ok $cc/|" -e "s|^FAIL |FAIL $cc/|"
done
exit 0
