#!/usr/bin/env bash
# vmsteer-test: parallel 56
# Capacity limits, documented in README.md: 4,096 ports per state (shared
# by all network namespaces), VMST_FDB_PROBES (8) FDB slots searched from a
# key's home slot, 16 uplinks per state. Each is filled to the limit; the
# next one is refused by `port add`, `attach` and `apply` with a message
# saying which limit, and nothing changes. At 4,096 ports, a frame from the
# wire to the port at the last index arrives at its tap byte-exact.
. "$(dirname "$0")/lib.sh"
lib_init capacity

topo_create
NS2=vmst-capacity-$$-other
netns_add "$NS2"
ip -n "$NS2" tuntap add dev x0 mode tap || die "cannot create a tap in $NS2"
NPORTS=4096
# Multi-queue: whichever of them takes the last index, vmsim can read it.
for i in $(seq 0 $NPORTS); do
	echo "tuntap add dev c$i mode tap multi_queue"
done >"$TMPD/taps.batch"
for i in $(seq 0 16); do
	echo "link add u$i type veth peer name w$i"
	echo "link set u$i up"
	echo "link set w$i up"
done >>"$TMPD/taps.batch"
ip -n "$NS_HYP" -batch "$TMPD/taps.batch" || die "cannot create the devices"

snapshot() {
	map_sums vmst_config vmst_fdb vmst_ports vmst_port_cfg vmst_tx \
		vmst_devs vmst_uplinks
	echo "xdp: $(ip -n "$NS_HYP" -j -d link show | jq -c 'map(.xdp.prog.id)')"
	echo "links: $(ls "$PIN/links" 2>/dev/null | tr '\n' ' ')"
}
# refused CASE NEEDLE CMD...: CMD fails, its one-line error contains
# NEEDLE, and the state is as it was.
refused() {
	local case=$1 needle=$2 before after rc
	shift 2
	before=$(snapshot)
	"$@" >"$TMPD/out" 2>"$TMPD/err"
	rc=$?
	after=$(snapshot)
	if [ $rc -eq 0 ]; then
		fail "$case" "'$*' succeeded: $(head -c 300 "$TMPD/out")"
	elif [ "$(wc -l <"$TMPD/err")" != 1 ] || ! grep -qF -- "$needle" "$TMPD/err"; then
		fail "$case" "expected one line with '$needle', got: $(head -c 400 "$TMPD/err" | tr '\n' '|')"
	elif [ "$after" != "$before" ]; then
		fail "$case" "the state changed"
	else
		ok "$case"
	fi
}
# mac N: a distinct unicast MAC for N.
mac() { printf '02:00:00:05:%02x:%02x' $(($1 / 256)) $(($1 % 256)); }
# doc FILE N...: a document with ports cI for each I (untagged, mac I),
# and the uplinks of DOC_UPLINKS (JSON, default none).
DOC_UPLINKS='[]'
doc() {
	local f=$1
	shift
	printf '%s\n' "$@" |
		awk '{ printf "{\"tap\": \"c%d\", \"mac\": \"02:00:00:05:%02x:%02x\"}\n", $1, int($1 / 256), $1 % 256 }' |
		jq -s --argjson up "$DOC_UPLINKS" '{uplinks: $up, ports: .}' >"$f"
}

# ---- FDB: 8 slots searched from a key's home slot ----
# Nine MACs whose untagged keys share one home slot (the hash of
# include/vmsteer.h, vmst_fdb_hash(), in 64-bit shell arithmetic).
home() { echo $(((((1 << 63) | $1) * 0x9E3779B97F4A7C15 >> 49) & 0x7fff)); }
want=$(home 0x020000060000)
coll=()
# (Inline arithmetic: about 9 x 32768 candidates are tried.)
for ((m = 0x020000060000; ${#coll[@]} < 9; m++)); do
	(((((1 << 63) | m) * 0x9E3779B97F4A7C15 >> 49 & 0x7fff) == want)) &&
		coll+=("$m")
done
cmac() { printf '%012x' "${coll[$1]}" | sed 's/../&:/g; s/:$//'; }
case=fdb-probe-window-fills
rc=0
for i in 0 1 2 3 4 5 6 7; do
	vms port add c$i --mac "$(cmac $i)" >/dev/null 2>"$TMPD/err" || { rc=1; break; }
done
if [ $rc = 0 ] && [ "$(vms --json status | jq .fdb_entries)" = 8 ]; then
	ok $case
else
	fail $case "8 colliding MACs (home slot $want) did not all fit: $(cat "$TMPD/err")"
fi
refused fdb-full-port-add "FDB has no free slot for this MAC and VLAN (8 slots searched)" \
	vms port add c8 --mac "$(cmac 8)"
{
	echo '{"uplinks": [], "ports": ['
	for i in 0 1 2 3 4 5 6 7 8; do
		printf '{"tap": "c%d", "mac": "%s"}%s\n' $i "$(cmac $i)" "$([ $i = 8 ] || echo ,)"
	done
	echo ']}'
} >"$TMPD/fdb9.json"
refused fdb-full-apply "ports[8].mac: $(cmac 8) untagged: the FDB has no free slot" \
	vms apply "$TMPD/fdb9.json"
# The same MAC on a VLAN has another home slot: it fits.
case=fdb-other-vlan-fits
if vms port add c8 --mac "$(cmac 8)" --vlan 7 >/dev/null 2>"$TMPD/err"; then
	ok $case
else
	fail $case "$(cat "$TMPD/err")"
fi
echo '{"uplinks": [], "ports": []}' >"$TMPD/empty.json"
vms apply "$TMPD/empty.json" >/dev/null || die "cannot empty the state"

# ---- ports: 4,096 per state ----
DOC_UPLINKS='[{"device": "up0"}]'
doc "$TMPD/full.json" $(seq 0 $((NPORTS - 1)))
case=ports-fill-$NPORTS
out=$(vms apply "$TMPD/full.json" 2>&1)
rc=$?
st=$(vms --json status)
if [ $rc -eq 0 ] && [ "$(jq -c '[.ports, .ports_max]' <<<"$st")" = "[$NPORTS,$NPORTS]" ]; then
	ok $case
else
	fail $case "apply of $NPORTS ports gave ($rc): $(tail -n2 <<<"$out"); status $(jq -c '[.ports, .ports_max]' <<<"$st")"
fi
# The port at the last index: a frame from the wire reaches its tap as
# sent, through the entries at the top of every port-indexed map.
case=last-index-delivers
list=$(vms --json port list)
last=$(jq -r --argjson i $NPORTS '.[] | select(.index == $i) | .tap' <<<"$list")
if [ -z "$last" ]; then
	fail $case "no port at index $NPORTS (highest: $(jq -c '[.[].index] | max' <<<"$list"))"
else
	ip -n "$NS_HYP" link set "$last" up || die "cannot bring $last up"
	VMSIM_QUEUES=1 vmsim_start vlast "$last"
	VM_LINES_vlast=0
	lmac=$(jq -r --arg p "$last" '.[] | select(.tap == $p) | .mac' <<<"$list")
	frame_v f "$lmac" 4096
	echo "$f" >"$TMPD/last.hex"
	sent=$(send_hex "$TMPD/last.hex")
	got_frame() { vmsim_new_frames vlast "$TMPD/last.got" && [ -s "$TMPD/last.got" ]; }
	wait_for "$last to read the frame" got_frame
	n=$(port_counter "$(stats_json)" "$last" to_vm_xdp_frames)
	if [ "$sent" != 1 ]; then
		fail $case "the socket sent $sent frames"
	elif ! same_frames "$TMPD/last.hex" "$TMPD/last.got"; then
		fail $case "$last (index $NPORTS): $DIFF_WHY"
	elif [ "$n" != 1 ]; then
		fail $case "to_vm_xdp_frames of $last is $n, want 1 (XDP path)"
	else
		ok $case
	fi
	stop_pid "$(vmsim_pid vlast)"
fi
refused ports-full-port-add "port c$NPORTS: port table full ($NPORTS ports)" \
	vms port add c$NPORTS --mac "$(mac $NPORTS)"
# A full table still takes changes to an existing port: a new MAC and
# VLAN are written at the port's own index, by port add and by apply, and
# leave nothing to repair.
# changed_in_place CASE TAP MAC VLAN IDX OUT RC: TAP has MAC and VLAN at
# index IDX, the table is still full and consistent.
changed_in_place() {
	local got st want="[$5,\"$3\",$4]"
	got=$(vms --json port list | jq -c --arg t "$2" '.[] | select(.tap == $t) | [.index, .mac, .vlan]')
	st=$(vms --json status)
	if [ "$7" -ne 0 ]; then
		fail "$1" "refused ($7): $6"
	elif [ "$got" != "$want" ]; then
		fail "$1" "$2 is $got, want $want"
	elif [ "$(jq -c '[.ports, .fdb_entries, (.inconsistencies | length), (.repairs | length)]' <<<"$st")" != "[$NPORTS,$NPORTS,0,0]" ]; then
		fail "$1" "status after the change: $(jq -c '{ports, fdb_entries, inconsistencies, repairs}' <<<"$st")"
	else
		ok "$1"
	fi
}
idx0=$(vms --json port list | jq -r '.[] | select(.tap == "c0") | .index')
out=$(vms port add c0 --mac 02:00:00:06:00:00 --vlan 9 2>&1)
changed_in_place ports-full-port-add-existing c0 02:00:00:06:00:00 9 "$idx0" "$out" $?
idx1=$(vms --json port list | jq -r '.[] | select(.tap == "c1") | .index')
jq '.ports[1].mac = "02:00:00:06:00:01" | .ports[1].vlan = 10' "$TMPD/full.json" >"$TMPD/full-c1.json"
out=$(vms apply "$TMPD/full-c1.json" 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -qi delete <<<"$out"; then
	fail ports-full-apply-existing "apply deleted a port to change it: $out"
else
	changed_in_place ports-full-apply-existing c1 02:00:00:06:00:01 10 "$idx1" "$out" $rc
fi
# The same for a port whose tap is gone (pending): it changes in place
# and has no FDB slot; once its tap is back, sync makes it active there.
idx2=$(vms --json port list | jq -r '.[] | select(.tap == "c2") | .index')
ip -n "$NS_HYP" link del c2 || die "cannot delete tap c2"
out=$(vms port add c2 --mac 02:00:00:06:00:02 2>&1)
rc=$?
case=ports-full-pending-existing
got=$(vms --json port list | jq -c '.[] | select(.tap == "c2") | [.index, .mac, .state]')
st=$(vms --json status)
if [ $rc -ne 0 ]; then
	fail $case "refused ($rc): $out"
elif [ "$got" != "[$idx2,\"02:00:00:06:00:02\",\"pending\"]" ]; then
	fail $case "c2 is $got"
elif [ "$(jq -c '[.fdb_entries, (.inconsistencies | length), (.repairs | length)]' <<<"$st")" != "[$((NPORTS - 1)),0,0]" ]; then
	fail $case "status: $(jq -c '{fdb_entries, inconsistencies, repairs}' <<<"$st")"
else
	ok $case
fi
ip -n "$NS_HYP" tuntap add dev c2 mode tap || die "cannot make tap c2 again"
vms sync >/dev/null || die "sync failed"
changed_in_place ports-full-pending-back c2 02:00:00:06:00:02 null "$idx2" "" 0
vms apply "$TMPD/full.json" >/dev/null || die "cannot apply full.json again"
doc "$TMPD/over.json" $(seq 0 $NPORTS)
refused ports-full-apply "ports: $((NPORTS + 1)) ports, at most $NPORTS" vms apply "$TMPD/over.json"
# Ports of another namespace count against the same table.
vms port del c$((NPORTS - 1)) >/dev/null || die "port del c$((NPORTS - 1))"
case=ports-shared-with-other-netns
if nsenter --net="/run/netns/$NS2" "$VMSTEER" --pin-path "$PIN" port add x0 --mac 02:00:00:07:00:01 >/dev/null 2>"$TMPD/err"; then
	ok $case
else
	fail $case "port add x0 in $NS2: $(cat "$TMPD/err")"
fi
refused ports-full-apply-other-netns \
	"ports: $NPORTS ports, but only $((NPORTS - 1)) fit beside the 1 of other network namespaces (limit $NPORTS)" \
	vms apply "$TMPD/full.json"
refused ports-full-port-add-other-netns "port table full ($NPORTS ports)" \
	vms port add c$((NPORTS - 1)) --mac "$(mac $((NPORTS - 1)))"
# Replacing ports within the table (deletes before adds) still works.
doc "$TMPD/swap.json" $(seq 0 $((NPORTS - 3))) $NPORTS
case=ports-full-replace
out=$(vms apply "$TMPD/swap.json" 2>&1)
if [ $? -eq 0 ] && [ "$(vms --json status | jq .ports)" = $NPORTS ]; then
	ok $case
else
	fail $case "apply replacing c$((NPORTS - 2)) by c$NPORTS at the limit: $(grep -v "^ *\(add\|delete\|update\) port" <<<"$out" | tail -n3 | tr "\n" "|"), $(vms --json status | jq .ports) ports"
fi
DOC_UPLINKS='[]'
vms apply "$TMPD/empty.json" >/dev/null || die "cannot empty the state"

# ---- uplinks: 16 per state ----
case=uplinks-fill-16
rc=0
for i in $(seq 0 15); do
	vms attach u$i >/dev/null 2>"$TMPD/err" || { rc=1; break; }
done
if [ $rc = 0 ] && [ "$(vms --json status | jq '.uplinks | length')" = 16 ]; then
	ok $case
else
	fail $case "attaching 16 uplinks: $(cat "$TMPD/err")"
fi
refused uplinks-full-attach "u16: cannot attach: 16 uplinks are attached, the most one state holds" \
	vms attach u16
jq -n '{uplinks: [range(17) | {device: "u\(.)"}], ports: []}' >"$TMPD/up17.json"
refused uplinks-full-apply "uplinks: 17 uplinks, at most 16" vms apply "$TMPD/up17.json"

lib_done
