#!/usr/bin/env bash
# Capacity limits, documented in README.md: 255 ports per state (shared by
# all network namespaces), VMST_FDB_PROBES (8) FDB slots searched from a
# key's home slot, 16 uplinks per state. Each is filled to the limit; the
# next one is refused by `port add`, `attach` and `apply` with a message
# saying which limit, and nothing changes.
. "$(dirname "$0")/lib.sh"
lib_init capacity

topo_create
NS2=vmst-capacity-$$-other
netns_add "$NS2"
ip -n "$NS2" tuntap add dev x0 mode tap || die "cannot create a tap in $NS2"
for i in $(seq 0 256); do
	echo "tuntap add dev c$i mode tap"
done >"$TMPD/taps.batch"
for i in $(seq 0 16); do
	echo "link add u$i type veth peer name w$i"
	echo "link set u$i up"
	echo "link set w$i up"
done >>"$TMPD/taps.batch"
ip -n "$NS_HYP" -batch "$TMPD/taps.batch" || die "cannot create the devices"

snapshot() {
	local m
	for m in vmst_config vmst_fdb vmst_ports vmst_port_cfg vmst_tx \
		vmst_devs vmst_uplinks; do
		echo "$m: $(bpftool -j map dump pinned "$PIN/$m" 2>&1 | md5sum)"
	done
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
# doc FILE N...: a document with ports cI for each I (untagged, mac I).
doc() {
	local f=$1 i first=1
	shift
	{
		echo '{"uplinks": [], "ports": ['
		for i in "$@"; do
			[ $first = 1 ] || echo ','
			first=0
			printf '{"tap": "c%d", "mac": "%s"}' "$i" "$(mac "$i")"
		done
		echo ']}'
	} >"$f"
}

# ---- FDB: 8 slots searched from a key's home slot ----
# Nine MACs whose untagged keys share one home slot (the hash of
# include/vmsteer.h, vmst_fdb_hash(), in 64-bit shell arithmetic).
home() { echo $(((((1 << 63) | $1) * 0x9E3779B97F4A7C15 >> 53) & 0x7ff)); }
want=$(home 0x020000060000)
coll=()
for ((m = 0x020000060000; ${#coll[@]} < 9; m++)); do
	[ "$(home $m)" = "$want" ] && coll+=("$m")
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

# ---- ports: 255 per state ----
doc "$TMPD/full.json" $(seq 0 254)
case=ports-fill-255
out=$(vms apply "$TMPD/full.json" 2>&1)
rc=$?
st=$(vms --json status)
if [ $rc -eq 0 ] && [ "$(jq -c '[.ports, .ports_max]' <<<"$st")" = "[255,255]" ]; then
	ok $case
else
	fail $case "apply of 255 ports gave ($rc): $(tail -n2 <<<"$out"); status $(jq -c '[.ports, .ports_max]' <<<"$st")"
fi
refused ports-full-port-add "port c255: port table full (255 ports)" \
	vms port add c255 --mac "$(mac 255)"
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
	elif [ "$(jq -c '[.ports, .fdb_entries, (.inconsistencies | length), (.repairs | length)]' <<<"$st")" != "[255,255,0,0]" ]; then
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
elif [ "$(jq -c '[.fdb_entries, (.inconsistencies | length), (.repairs | length)]' <<<"$st")" != "[254,0,0]" ]; then
	fail $case "status: $(jq -c '{fdb_entries, inconsistencies, repairs}' <<<"$st")"
else
	ok $case
fi
ip -n "$NS_HYP" tuntap add dev c2 mode tap || die "cannot make tap c2 again"
vms sync >/dev/null || die "sync failed"
changed_in_place ports-full-pending-back c2 02:00:00:06:00:02 null "$idx2" "" 0
vms apply "$TMPD/full.json" >/dev/null || die "cannot apply full.json again"
doc "$TMPD/over.json" $(seq 0 255)
refused ports-full-apply "ports: 256 ports, at most 255" vms apply "$TMPD/over.json"
# Ports of another namespace count against the same table.
vms port del c254 >/dev/null || die "port del c254"
case=ports-shared-with-other-netns
if nsenter --net="/run/netns/$NS2" "$VMSTEER" --pin-path "$PIN" port add x0 --mac 02:00:00:07:00:01 >/dev/null 2>"$TMPD/err"; then
	ok $case
else
	fail $case "port add x0 in $NS2: $(cat "$TMPD/err")"
fi
refused ports-full-apply-other-netns \
	"ports: 255 ports, but only 254 fit beside the 1 of other network namespaces (limit 255)" \
	vms apply "$TMPD/full.json"
refused ports-full-port-add-other-netns "port table full (255 ports)" \
	vms port add c254 --mac "$(mac 254)"
# Replacing ports within the table (deletes before adds) still works.
doc "$TMPD/swap.json" $(seq 0 252) 255
case=ports-full-replace
out=$(vms apply "$TMPD/swap.json" 2>&1)
if [ $? -eq 0 ] && [ "$(vms --json status | jq .ports)" = 255 ]; then
	ok $case
else
	fail $case "apply replacing c253 by c255 at the limit: $(tail -n2 <<<"$out")"
fi
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
