#!/usr/bin/env bash
# Many possible CPUs. Per-CPU maps hold one slot per possible CPU, and a
# kernel may have far more possible CPUs than online ones: the kernel
# matrix runs this file in a guest with 2 online of 255 possible CPUs
# (scripts/kernel-matrix.sh --many-cpus; on the host it runs with the
# host's CPUs). attach, two ports, one of them steered through the CPUMAP
# (--queues 2 --xdp-steer cpumap): every frame arrives, byte-exact, and
# stats count each exactly once (a per-CPU sum over the wrong CPU count
# would read garbage or fail); the CPUMAP has an entry for every possible
# CPU; the CLI's status, port list and a port's removal work.
. "$(dirname "$0")/lib.sh"
lib_init cpus

RSSFLOW=$TOOLS/rssflow
[ -x "$RSSFLOW" ] || die "$RSSFLOW not built (make test-progs)"
# cpu_count LIST: CPUs in a sysfs CPU list ("0-1,4,6-7").
cpu_count() {
	local n=0 r a b
	for r in ${1//,/ }; do
		a=${r%-*} b=${r#*-}
		n=$((n + b - a + 1))
	done
	echo $n
}
possible=$(cpu_count "$(cat /sys/devices/system/cpu/possible)")
online=$(cpu_count "$(cat /sys/devices/system/cpu/online)")
echo "# CPUs: $possible possible, $online online"
[ "$online" -ge 2 ] || { skip cpus "one CPU online: nothing to steer"; exit 0; }
NFLOWS=200

setup_two_vms
tap_create vmt3
VMSIM_QUEUES=2 vmsim_start vm3 vmt3
vms port add vmt3 --mac 02:00:00:00:03:01 --queues 2 --xdp-steer cpumap \
	>"$TMPD/add.out" 2>&1 || die "port add --xdp-steer cpumap failed: $(cat "$TMPD/add.out")"

case=cpus-two-ports-deliver
if deliver_round 50; then ok $case; else fail $case "$ROUND_WHY"; fi

# Per-CPU counters summed over every possible CPU: exact.
case=cpus-stats-exact
got=$(stats_json | jq -r '[.ports[] | select(.port == "vmt1" or .port == "vmt2") | .counters.to_vm_xdp_frames] | join(" ")')
if [ "$got" = "50 50" ]; then ok $case; else
	fail $case "to_vm_xdp_frames of vmt1, vmt2: '$got', want '50 50'"
fi

"$RSSFLOW" gen $NFLOWS --dst 02:00:00:00:03:01 --src "$MAC_WIRE" --seed 3 >"$TMPD/flows.hex" ||
	die "rssflow gen failed"
"$RSSFLOW" predict --queues 2 <"$TMPD/flows.hex" | sort >"$TMPD/want"
vm3_rx() { vmsim_report vm3 | kv rx_frames; }
vm3_at_least() { [ "$(vm3_rx)" -ge "$1" ]; }
sent=$(send_hex "$TMPD/flows.hex") || die "sendframes failed"
case=cpus-cpumap-steered
if [ "$sent" != $NFLOWS ]; then
	fail $case "socket sent $sent of $NFLOWS"
elif ! wait_for "vm3 to read $NFLOWS frames" vm3_at_least $NFLOWS; then
	fail $case "vm3 read $(vm3_rx) of $NFLOWS"
else
	vmsim_report vm3 >/dev/null
	awk '{print $2, $1}' "$TMPD/vm3.hex" | sort >"$TMPD/got"
	if cmp -s "$TMPD/want" "$TMPD/got"; then ok $case; else
		fail $case "$(diff "$TMPD/want" "$TMPD/got" | grep -c '^[<>]') lines differ (HEX QUEUE)"
	fi
fi

case=cpus-cpumap-stats
st=$(stats_json | jq -c '.ports[] | select(.port == "vmt3") | [.counters.to_vm_xdp_frames, (.frames_per_queue | add)]')
if [ "$st" = "[$NFLOWS,$NFLOWS]" ]; then ok $case; else
	fail $case "vmt3 [to_vm_xdp_frames, sum of frames_per_queue] = $st, want [$NFLOWS,$NFLOWS]"
fi

# A frame for queue q goes to CPU q: the CPUMAP must reach every CPU that
# may come online, not a compile-time number of them.
case=cpus-cpumap-covers-possible
entries=$(bpftool -j map show pinned "$PIN/vmst_cpumap" | jq -r '.max_entries')
if [ "$entries" -ge "$possible" ] 2>/dev/null; then
	ok $case
else
	fail $case "vmst_cpumap has $entries entries for $possible possible CPUs: CPUs $entries.. cannot be steered to"
fi

case=cpus-status-and-list
if vms_json status >"$TMPD/status.json" 2>"$TMPD/status.err" &&
	[ "$(jq -r '.uplinks | length' "$TMPD/status.json")" = 1 ] &&
	[ "$(vms_json port list | jq length)" = 3 ]; then
	ok $case
else
	fail $case "status: $(head -c 300 "$TMPD/status.err") $(head -c 300 "$TMPD/status.json")"
fi

case=cpus-port-del
if vms port del vmt3 >/dev/null 2>&1 && [ "$(vms_json port list | jq length)" = 2 ] &&
	deliver_round 10; then
	ok $case
else
	fail $case "after port del vmt3: $(vms_json port list | jq -c 'map(.port)') ${ROUND_WHY:-}"
fi
lib_done
