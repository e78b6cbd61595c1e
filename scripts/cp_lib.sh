# shellcheck shell=bash
# What scripts/bench_cp.sh and scripts/map_memory.sh share: a private
# mount namespace and bpffs, a network namespace with an uplink and N taps,
# the CLI run in it, and the cleanup of all of it. Source it after `set
# -euo pipefail` and `cd` to the repository, with NAME set to the script's
# name for messages:
#
#   bench_private_bpffs "$0" "$@"  # re-executes the script once, then mounts
#   cp_cli                       # VMSTEER: the CLI, absolute
#   cp_setup PREFIX              # sets NS, PIN, tmp; cleanup on exit
#   cp_taps_batch N >FILE        # `ip -batch` lines: up0/wire0, taps t1..tN
#   hv CMD... / vms ARGS...      # CMD in NS / the CLI with PIN

die() { echo "$NAME: $*" >&2; exit 1; }

. scripts/bench_lib.sh

# cp_cli: VMSTEER, the CLI to run (default $BUILD/vmsteer, BUILD default
# build), as an absolute path; it must be built.
cp_cli() {
	VMSTEER=$(realpath -m "${VMSTEER:-${BUILD:-build}/vmsteer}")
	[ -x "$VMSTEER" ] || die "$VMSTEER missing: run 'make'"
}

# cp_setup PREFIX: names of the network namespace (NS) and pin path (PIN),
# a temporary directory (tmp), and their removal on exit. CP_CLEANUP may
# name a function to run first (it is called with nothing to check).
NS=
PIN=
tmp=
CP_CLEANUP=
cp_cleanup() {
	local rc=$?
	set +e
	[ -z "$CP_CLEANUP" ] || "$CP_CLEANUP"
	ip netns del "$NS" 2>/dev/null
	rm -rf "$PIN" "$tmp"
	exit $rc
}
cp_setup() {
	local id=$1-$$-$RANDOM
	NS=$id
	PIN=/sys/fs/bpf/$id
	tmp=$(mktemp -d "/tmp/$1.XXXXXX")
	trap cp_cleanup EXIT
	trap 'exit 130' INT TERM
}

hv() { nsenter --net="/run/netns/$NS" "$@"; }
vms() { hv "$VMSTEER" --pin-path "$PIN" "$@"; }

# cp_taps_batch N: the uplink up0 (a veth to wire0) and taps t1..tN, every
# 16th a multi-queue tap (its port steers by RSS), as `ip -batch` lines.
cp_taps_batch() {
	local i
	echo "link add up0 type veth peer name wire0"
	echo "link set up0 up"
	echo "link set wire0 up"
	for i in $(seq 1 "$1"); do
		if [ $((i % 16)) = 0 ]; then
			echo "tuntap add dev t$i mode tap multi_queue"
		else
			echo "tuntap add dev t$i mode tap"
		fi
	done
}

# cp_netns: a fresh NS with lo up.
cp_netns() {
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$PIN"
	ip netns add "$NS"
	hv ip link set lo up
}
