#!/usr/bin/env bash
# RSS key slots: the Toeplitz lookup tables are kept once per distinct key
# (vmst_rss_lut), every port's vmst_rss entry naming its key's slot.
#
# Topology: hyp netns with uplink up0 and bridge br0 over up0 and two
# 4-queue taps, vmt1 and vmt2, whose queues vmsim reads (static bridge FDB
# entries send each VM's frames to its tap only). vmsteer is not attached
# to up0: frames take the bridge (skb) path, where the tap's steering
# program picks the queue.
#
# - Two ports with two keys: every flow of each tap lands on the queue the
#   user-space reference (rssflow predict) names for that tap's key; ports
#   of one key name one slot, of two keys two.
# - rss set of a new key: the flows follow it, the other tap keeps its key,
#   and the old key's slot is released (status counts keys in use).
# - port del releases its key.
# - 64 distinct keys (pending ports bring the rest): a 65th (port add,
#   rss set, apply) is refused naming the port, and nothing changes in
#   vmst_rss, vmst_rss_lut or the port table; a key another port holds is
#   still accepted, and so is a key change of a port that is its key's
#   only user; once a port goes, its key's place is free again.
# - status reports a port whose slot holds another key's tables (written
#   from outside), and the next rss set repairs it.
. "$(dirname "$0")/lib.sh"
lib_init rsskeys

RSSFLOW=$TOOLS/rssflow
[ -x "$RSSFLOW" ] || die "$RSSFLOW not built (make test-progs)"
command -v bpftool >/dev/null || die "bpftool not installed (make deps)"

QUEUES=4
NFLOWS=200
KEYS=64 # VMST_RSS_KEYS

topo_create
tap_create vmt1
tap_create vmt2
ip -n "$NS_HYP" link add br0 type bridge mcast_snooping 0 ||
	die "cannot create br0"
for d in up0 vmt1 vmt2; do
	ip -n "$NS_HYP" link set "$d" master br0 || die "cannot enslave $d"
done
ip -n "$NS_HYP" link set br0 up
in_hyp sh -c 'for f in iptables ip6tables arptables; do
	p=/proc/sys/net/bridge/bridge-nf-call-$f
	[ ! -e $p ] || echo 0 >$p; done'
in_hyp bridge fdb add "$MAC_VM1" dev vmt1 master static || die "fdb vmt1"
in_hyp bridge fdb add "$MAC_VM2" dev vmt2 master static || die "fdb vmt2"
VMSIM_QUEUES=$QUEUES vmsim_start vm1 vmt1
VMSIM_QUEUES=$QUEUES vmsim_start vm2 vmt2
declare -A SEEN=([vm1]=0 [vm2]=0) RX=([vm1]=0 [vm2]=0)

"$RSSFLOW" gen $NFLOWS --dst "$MAC_VM1" --src "$MAC_WIRE" >"$TMPD/f1.hex" ||
	die "rssflow gen failed"
"$RSSFLOW" gen $NFLOWS --dst "$MAC_VM2" --src "$MAC_WIRE" --seed 7 \
	>"$TMPD/f2.hex" || die "rssflow gen failed"

# key N: a 40-byte key of its own for every N (0..65535).
key() {
	local i out
	printf -v out '%02x:%02x' $(($1 >> 8 & 255)) $(($1 & 255))
	for i in $(seq 1 38); do
		printf -v out '%s:%02x' "$out" $((($1 * 7 + i * 13) & 255))
	done
	echo "$out"
}
MSFT=6d:5a:56:da:25:5b:0e:c2:41:67:25:3d:43:a3:8f:b0:d0:ca:2b:cb:ae:7b:30:b4:77:cb:2d:a3:80:30:f2:0c:6a:42:b7:3b:be:ac:01:fa
K2=$(key 2)
K3=$(key 3)

vm_rx() { vmsim_report "$1" | kv rx_frames; }
rx_at_least() { [ "$(vm_rx "$1")" -ge "$2" ]; }
# check_tap CASE ID FRAMES PREDICT_ARGS...: send FRAMES; vmsim ID gets each
# on the queue rssflow predicts with PREDICT_ARGS, and no other frame.
check_tap() {
	local case=$1 id=$2 frames=$3 n sent
	shift 3
	n=$(wc -l <"$frames")
	"$RSSFLOW" predict --queues $QUEUES "$@" <"$frames" | sort >"$TMPD/want"
	sent=$(send_hex "$frames") || { fail "$case" "sendframes failed"; return 1; }
	[ "$sent" = "$n" ] || { fail "$case" "socket sent $sent of $n"; return 1; }
	RX[$id]=$((RX[$id] + n))
	wait_for "$id to read ${RX[$id]} frames" rx_at_least "$id" "${RX[$id]}" ||
		{ fail "$case" "$id read $(vm_rx "$id") frames, want ${RX[$id]}"; return 1; }
	vmsim_report "$id" >/dev/null
	tail -n +$((SEEN[$id] + 1)) "$TMPD/$id.hex" | awk '{print $2, $1}' | sort >"$TMPD/got"
	SEEN[$id]=$((SEEN[$id] + $(wc -l <"$TMPD/got")))
	if ! cmp -s "$TMPD/want" "$TMPD/got"; then
		fail "$case" "$(diff "$TMPD/want" "$TMPD/got" | grep -c '^[<>]') lines differ between predicted and received (HEX QUEUE)"
		return 1
	fi
	ok "$case"
}

# slot TAP: the key slot TAP's vmst_rss entry names (bytes 52-53).
slot() {
	local idx lo hi
	idx=$(vms_json rss show "$1" | jq -r .index) || return 1
	read -r lo hi < <(bpftool -j map lookup pinned "$PIN/vmst_rss" \
		key $((idx & 255)) $((idx >> 8 & 255)) 0 0 | jq -r '"\(.value[52]) \(.value[53])"')
	echo $((lo + 256 * hi))
}
keys_in_use() { vms_json status | jq -r .rss_keys; }
snapshot() {
	map_sums vmst_rss vmst_rss_lut vmst_port_cfg vmst_fdb
	vms_json port list | jq -c '[.[] | [.tap, .rss.key]]'
}

# ---- two keys on two taps ---------------------------------------------------
vms port add vmt1 --mac "$MAC_VM1" --queues $QUEUES >/dev/null ||
	die "port add vmt1 failed"
vms port add vmt2 --mac "$MAC_VM2" --queues $QUEUES --rss-key "$K2" >/dev/null ||
	die "port add vmt2 failed"
check_tap two-keys-vmt1-default-key vm1 "$TMPD/f1.hex"
check_tap two-keys-vmt2-own-key vm2 "$TMPD/f2.hex" --rss-key "$K2"

case=two-keys-two-slots
# A pending port of the default key shares vmt1's slot.
vms port add p0 --mac 02:00:00:00:10:00 --queues 2 >/dev/null || die "port add p0 failed"
s1=$(slot vmt1) s2=$(slot vmt2) s0=$(slot p0)
if [ "$s1" != 0 ] && [ "$s2" != 0 ] && [ "$s1" != "$s2" ] && [ "$s0" = "$s1" ] &&
	[ "$(keys_in_use)" = 2 ]; then
	ok $case
else
	fail $case "slots vmt1 $s1, vmt2 $s2, p0 $s0; keys in use $(keys_in_use)"
fi

# ---- a key change --------------------------------------------------------------
vms rss set vmt2 --rss-key "$K3" >/dev/null || die "rss set vmt2 failed"
check_tap key-change-follows vm2 "$TMPD/f2.hex" --rss-key "$K3"
check_tap key-change-other-tap-kept vm1 "$TMPD/f1.hex"
case=key-change-releases-old-key
if [ "$(keys_in_use)" = 2 ] && [ "$(slot vmt2)" != "$s1" ]; then ok $case; else
	fail $case "keys in use $(keys_in_use) (want 2: K2 released), vmt2 slot $(slot vmt2)"
fi
# Back to the default key: vmt2 shares vmt1's slot, K3 is released.
vms rss set vmt2 --rss-key "$MSFT" >/dev/null || die "rss set vmt2 back failed"
check_tap key-shared-steers vm2 "$TMPD/f2.hex"
case=key-shared-one-slot
if [ "$(slot vmt2)" = "$s1" ] && [ "$(keys_in_use)" = 1 ]; then ok $case; else
	fail $case "vmt2 slot $(slot vmt2) (vmt1 $s1), keys in use $(keys_in_use)"
fi
vms rss set vmt2 --rss-key "$K2" >/dev/null || die "rss set vmt2 K2 failed"

case=port-del-releases-key
vms port add p9 --mac 02:00:00:00:10:09 --queues 2 --rss-key "$(key 9)" >/dev/null ||
	die "port add p9 failed"
before=$(keys_in_use)
vms port del p9 >/dev/null || die "port del p9 failed"
if [ "$before" = 3 ] && [ "$(keys_in_use)" = 2 ]; then ok $case; else
	fail $case "keys in use $before with p9, $(keys_in_use) after port del (want 3, 2)"
fi

# ---- 64 distinct keys -------------------------------------------------------
# vmt1 and p0: the default key; vmt2: K2; p1..p62: keys 101..162, added
# by one apply (pending ports: their taps do not exist).
vms_json dump >"$TMPD/doc.json" || die "dump failed"
for i in $(seq 1 62); do
	printf '{"tap": "p%d", "mac": "02:00:00:00:11:%02x", "queues": 2, "rss": {"key": "%s"}}\n' \
		"$i" "$i" "$(key $((100 + i)))"
done | jq -s . >"$TMPD/more.json"
jq --slurpfile m "$TMPD/more.json" '.ports += $m[0]' "$TMPD/doc.json" >"$TMPD/doc64.json"
out=$(vms apply "$TMPD/doc64.json" 2>&1) || die "apply of 64 keys failed: $out"
[ "$(keys_in_use)" = $KEYS ] || die "keys in use $(keys_in_use), want $KEYS"

# refused CASE NAME ARGS...: the command fails naming NAME and the limit,
# and the maps and port table stay as they were.
refused() {
	local case=$1 name=$2 out rc before after
	shift 2
	before=$(snapshot)
	out=$(vms "$@" 2>&1)
	rc=$?
	after=$(snapshot)
	if [ $rc = 0 ]; then
		fail "$case" "'vmsteer $*' accepted a 65th key"
	elif ! grep -q "$name.*at most $KEYS" <<<"$out" || [ "$(wc -l <<<"$out")" != 1 ]; then
		fail "$case" "'vmsteer $*': not one line naming $name and the limit: $out"
	elif [ "$before" != "$after" ]; then
		fail "$case" "'vmsteer $*' changed the state: $before -> $after"
	else
		ok "$case"
	fi
}
refused full-port-add-refused "port p63" port add p63 --mac 02:00:00:00:11:63 --queues 2 --rss-key "$(key 999)"
# vmt1 shares the default key with p0: a new key would be one more.
refused full-rss-set-refused "port vmt1" rss set vmt1 --rss-key "$(key 998)"
check_tap full-refused-vmt1-unchanged vm1 "$TMPD/f1.hex"
vms_json dump >"$TMPD/doc.json" || die "dump failed"
jq --arg k "$(key 997)" '.ports += [{"tap": "p63", "mac": "02:00:00:00:11:63", "queues": 2, "rss": {"key": $k}}]' \
	"$TMPD/doc.json" >"$TMPD/doc65.json"
n65=$(jq '.ports | length - 1' "$TMPD/doc65.json")
refused full-apply-refused "ports\[$n65\].rss.key" apply "$TMPD/doc65.json"

case=full-shared-key-accepted
if vms port add p63 --mac 02:00:00:00:11:63 --queues 2 --rss-key "$(key 105)" >/dev/null &&
	[ "$(slot p63)" = "$(slot p5)" ] && [ "$(keys_in_use)" = $KEYS ]; then
	ok $case
else
	fail $case "p63 slot $(slot p63), p5 slot $(slot p5), keys in use $(keys_in_use)"
fi
# vmt2 is K2's only user: its new key takes K2's place.
if vms rss set vmt2 --rss-key "$(key 996)" >/dev/null; then
	check_tap full-sole-user-key-change vm2 "$TMPD/f2.hex" --rss-key "$(key 996)"
else
	fail full-sole-user-key-change "rss set vmt2 refused at $(keys_in_use) keys: $(vms rss set vmt2 --rss-key "$(key 996)" 2>&1)"
fi
# A port gone frees its key's place.
vms port del p1 >/dev/null || die "port del p1 failed"
if vms rss set vmt1 --rss-key "$(key 998)" >/dev/null; then
	check_tap full-port-del-frees-a-key vm1 "$TMPD/f1.hex" --rss-key "$(key 998)"
else
	fail full-port-del-frees-a-key "rss set vmt1 refused after port del p1: $(vms rss set vmt1 --rss-key "$(key 998)" 2>&1)"
fi
case=full-apply-converges
vms_json dump >"$TMPD/doc.json" || die "dump failed"
if out=$(vms apply "$TMPD/doc.json" 2>&1) && [ "$out" = "no changes" ] &&
	[ "$(vms_json status | jq '(.repairs | length) + (.inconsistencies | length)')" = 0 ]; then
	ok $case
else
	fail $case "apply of the dump: $out"
fi

# ---- another key's tables in a port's slot (a write from outside) ------------
case=foreign-tables-reported
s=$(slot vmt1)
other=$(slot vmt2)
bpftool -j map lookup pinned "$PIN/vmst_rss_lut" key $other 0 0 0 |
	jq -r '.value | join(" ")' >"$TMPD/lut"
# shellcheck disable=SC2046
bpftool map update pinned "$PIN/vmst_rss_lut" key $s 0 0 0 value $(cat "$TMPD/lut") ||
	die "cannot overwrite slot $s"
st=$(vms_json status)
if jq -e '.repairs | map(select(test("port vmt1 .*RSS key slot"))) | length == 1' <<<"$st" >/dev/null; then
	ok $case
else
	fail $case "status repairs: $(jq -c .repairs <<<"$st")"
fi
# Every frame of vmt1 now goes to its default queue 0.
check_tap foreign-tables-default-queue vm1 "$TMPD/f1.hex" --rss-types none
vms rss set vmt1 --rss-key "$(key 998)" >/dev/null || fail foreign-tables-repaired "rss set failed"
check_tap foreign-tables-repaired vm1 "$TMPD/f1.hex" --rss-key "$(key 998)"
case=foreign-tables-status-clean
if [ "$(vms_json status | jq '.repairs | length')" = 0 ]; then ok $case; else
	fail $case "$(vms_json status | jq -c .repairs)"
fi

lib_done
