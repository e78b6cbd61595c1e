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
BPFTOOL=${BPFTOOL:-bpftool}
CLANG=${CLANG:-clang}
[ -x "$loadall" ] || { echo "FAIL compilers: $loadall not built (make test-progs)"; exit 1; }

# same_skeletons DIR: prints how many skeletons this build has when the
# skeleton bpftool makes of each of DIR's objects is this build's but for
# the embedded object (the same maps, programs and variables at the same
# offsets); prints nothing (SKEL_WHY says why) otherwise.
SKEL_WHY=
# Lines of the embedded object: its size and the escaped bytes.
skel_shape() { grep -v -e '^\\' -e '^[[:space:]]*\*sz = [0-9]*;$' -e 'return (const void \*)"\\$'; }
same_skeletons() {
	local dir=$1 skel name obj n=0
	for skel in "$BUILD"/*.skel.h; do
		name=$(basename "$skel" .skel.h)
		obj=$dir/bpf/$name.bpf.o
		[ -e "$obj" ] || obj=$dir/tests/bpf/$name.bpf.o
		if [ ! -e "$obj" ]; then
			SKEL_WHY="no $name.bpf.o"
			return 0
		fi
		if ! cmp -s <(skel_shape <"$skel") \
			<("$BPFTOOL" gen skeleton "$obj" name "${name}_bpf" 2>/dev/null | skel_shape); then
			SKEL_WHY="$name"
			return 0
		fi
		n=$((n + 1))
	done
	echo "$n"
}

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
	# The unit tests over this compiler's objects. When the skeletons of
	# its objects are this build's but for the embedded bytes, the unit
	# tests already built load them (tests/unit/objdir.c); otherwise they
	# are built again over them.
	unit=$BUILD/tests/unit_tests
	nskel=$(same_skeletons "$out")
	if [ -z "$nskel" ]; then
		echo "# compilers/$cc: its skeletons differ from $CLANG's ($SKEL_WHY): unit tests built over its objects"
		if ! make --no-print-directory -j2 BUILD="$out" CLANG="$cc" \
			"$out/tests/unit_tests" >>"$log" 2>&1; then
			echo "FAIL compilers/$cc/unit-build: $(grep -m3 error "$log" | tr '\n' ' ')(log: $log)"
			continue
		fi
		unit=$out/tests/unit_tests
	fi
	# As tests/run.sh runs them: in a private network namespace.
	VMSTEER_TEST_BPF_DIR=${nskel:+$out} unshare -n "$unit" >"$log.unit" 2>&1
	grep -v '^objdir: [a-z_0-9]* from ' "$log.unit" |
		sed -e "s|^ok |ok $cc/|" -e "s|^FAIL |FAIL $cc/|"
	if [ -n "$nskel" ]; then
		n=$(grep -c '^objdir: [a-z_0-9]* from ' "$log.unit")
		if [ "$n" -gt 0 ]; then
			echo "ok compilers/$cc/unit-objects: the unit tests loaded $n of its objects ($nskel skeletons checked)"
		else
			echo "FAIL compilers/$cc/unit-objects: the unit tests loaded none of $out's objects"
		fi
	fi
done
exit 0
