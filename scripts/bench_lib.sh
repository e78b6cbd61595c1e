# shellcheck shell=bash
# What the bench scripts share (bench.sh, bench_tx.sh, and through
# cp_lib.sh bench_cp.sh and map_memory.sh). Source it from the repository
# root.

# bench_private_bpffs "$0" "$@": run the script in a private mount
# namespace with its own BPF filesystem on /sys/fs/bpf (re-executing it
# there once): nothing the bench pins (or a program it loads pins by
# default) reaches the host's bpffs, and no stray pin there reaches the
# bench. The mounts vanish with the namespace, whatever happens.
bench_private_bpffs() {
	if [ -z "${VMSTEER_BENCH_MNTNS:-}" ]; then
		[ "$(id -u)" -eq 0 ] ||
			{ echo "$(basename "$1" .sh): needs root" >&2; exit 1; }
		VMSTEER_BENCH_MNTNS=1 exec unshare --mount --propagation private \
			"$@"
	fi
	mount -t bpf bpf /sys/fs/bpf
}

# bench_netns NS...: new network namespaces, each with IPv6 off (no
# solicitations or router traffic in the figures) and lo up.
bench_netns() {
	local ns
	for ns; do
		ip netns add "$ns"
		nsenter --net="/run/netns/$ns" sysctl -qw \
			net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
	done
}
