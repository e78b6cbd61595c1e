#!/usr/bin/env bash
# vmsteer-test: parallel 51
# Declarative config: `vmsteer apply` creates uplinks and ports, changes
# only what differs (nothing at all the second time), --dry-run changes
# nothing, every kind of invalid document is refused with its JSON path and
# leaves every map byte for byte as it was, and `dump | apply -` is a no-op.
. "$(dirname "$0")/lib.sh"
lib_init apply

topo_create
for t in vmt1 vmt2 vmt3 vmt4; do tap_create $t; done
vmsim_start vm1 vmt1
vmsim_start vm2 vmt2
VM_LINES_vm1=0
VM_LINES_vm2=0
ip -n "$NS_HYP" link add up1 type veth peer name wire1 ||
	die "cannot create a second veth"
ip -n "$NS_HYP" link set up1 up
ip -n "$NS_HYP" link set wire1 up

M3=02:00:00:00:03:03
M3B=02:00:00:00:03:33
M4=02:00:00:00:04:04

# doc FILE JSON: write a document (jq checks it is JSON and indents it).
doc() { jq . <<<"$2" >"$TMPD/$1" || die "test document $1 is not JSON"; }

doc a.json '{"uplinks": [{"device": "up0", "mode": "native"}],
 "ports": [{"tap": "vmt1", "mac": "'$MAC_VM1'"},
           {"tap": "vmt2", "mac": "'$MAC_VM2'", "vlan": '$VLAN_VM2'},
           {"tap": "vmt3", "mac": "'$M3'", "vlan": 200}]}'
# b: vmt2 gone, vmt3 has another MAC, vmt4 new; up0 and vmt1 as in a.
doc b.json '{"uplinks": [{"device": "up0", "mode": "native"}],
 "ports": [{"tap": "vmt1", "mac": "'$MAC_VM1'"},
           {"tap": "vmt3", "mac": "'$M3B'", "vlan": 200},
           {"tap": "vmt4", "mac": "'$M4'", "vlan": 300}]}'

apply() { vms apply "$@"; }

# snapshot: every map entry of the state (map_sums), the counters
# of every port (the per-CPU counter maps have 131,000 entries a CPU: the
# CLI reads them in batches, bpftool one by one), the uplink's program and
# link ids and the pins: what a refused or empty apply must leave byte for
# byte as it was.
snapshot() {
	map_sums vmst_config vmst_fdb vmst_ports vmst_port_cfg vmst_tx \
		vmst_devs vmst_uplinks vmst_rss
	# The counters through the plain CLI even when the test runs another
	# (test_sanitize: the ASan build, whose `stats` took 0.5 s, half of
	# the file's time there): the snapshot is the test's yardstick, not
	# what it tests.
	if [ -e "$PIN/vmst_config" ]; then
		echo "counters: $(in_hyp "$BUILD/vmsteer" --pin-path "$PIN" --json stats | md5sum)"
	fi
	echo "xdp: $(ip -n "$NS_HYP" -j -d link show | jq -c 'map({ifname, xdp: .xdp.prog.id})')"
	echo "pins: $(find "$PIN" 2>/dev/null | sort | tr '\n' ' ')"
}

# ports_view: the port list without indexes, sorted.
ports_view() { vms --json port list | jq -cS 'map(del(.index)) | sort_by(.tap)'; }
# port_index TAP: its index in the port table.
port_index() { vms --json port list | jq -r --arg t "$1" '.[] | select(.tap == $t) | .index'; }

# ---- apply creates ----
case=apply-dry-run-no-state
out=$(apply --dry-run "$TMPD/a.json" 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
	fail $case "apply --dry-run on no state failed ($rc): $out"
elif [ -e "$PIN" ]; then
	fail $case "a dry run created the state at $PIN"
elif ! grep -q '^attach uplink up0 (native mode)$' <<<"$out" ||
	[ "$(grep -c '^add port ' <<<"$out")" != 3 ] ||
	! grep -q '^4 changes (dry run: nothing changed)$' <<<"$out"; then
	fail $case "unexpected plan: $out"
else
	ok $case
fi

case=apply-creates
out=$(apply "$TMPD/a.json" 2>&1)
rc=$?
ports=$(ports_view)
want=$(jq -cS '[.ports[] | {tap, mac, vlan: (.vlan // null)}] | sort_by(.tap)' "$TMPD/a.json")
got=$(jq -cS 'map({tap, mac, vlan})' <<<"$ports")
if [ $rc -ne 0 ]; then
	fail $case "apply a.json failed ($rc): $out"
elif ! grep -q '^4 changes applied$' <<<"$out"; then
	fail $case "unexpected output: $out"
elif [ "$(xdp_prog_id up0)" = none ]; then
	fail $case "no XDP program on up0"
elif [ "$(vms --json status | jq -r '.uplinks[0].mode')" != native ]; then
	fail $case "up0 not in native mode: $(vms --json status)"
elif [ "$got" != "$want" ]; then
	fail $case "ports $got, expected $want"
elif ! deliver_round 5; then
	fail $case "$ROUND_WHY"
else
	ok $case
fi

# ---- the same file again: nothing at all changes ----
case=apply-twice-no-change
before=$(snapshot)
out=$(apply "$TMPD/a.json" 2>&1)
rc=$?
after=$(snapshot)
if [ $rc -ne 0 ]; then
	fail $case "second apply failed ($rc): $out"
elif [ "$out" != "no changes" ]; then
	fail $case "second apply printed: $out"
elif [ "$after" != "$before" ]; then
	fail $case "second apply changed the state: $(diff <(echo "$before") <(echo "$after") | tr '\n' '|')"
else
	ok $case
fi

case=apply-twice-json
out=$(vms --json apply "$TMPD/a.json" 2>&1)
if [ "$(jq -c '[(.changes | length), .applied, .dry_run]' <<<"$out" 2>/dev/null)" = "[0,0,false]" ]; then
	ok $case
else
	fail $case "apply --json of an applied file: $out"
fi

# ---- dry run of a changed file: prints the difference, changes nothing ----
case=dry-run-changes-nothing
before=$(snapshot)
out=$(apply --dry-run "$TMPD/b.json" 2>&1)
rc=$?
after=$(snapshot)
exp="delete port vmt2: $MAC_VM2 on VLAN $VLAN_VM2
update port vmt3: $M3 on VLAN 200 -> $M3B on VLAN 200
add port vmt4: $M4 on VLAN 300
3 changes (dry run: nothing changed)"
if [ $rc -ne 0 ]; then
	fail $case "apply --dry-run b.json failed ($rc): $out"
elif [ "$out" != "$exp" ]; then
	fail $case "printed: $(tr '\n' '|' <<<"$out"), expected: $(tr '\n' '|' <<<"$exp")"
elif [ "$after" != "$before" ]; then
	fail $case "the dry run changed the state"
else
	ok $case
fi

case=dry-run-json
out=$(vms --json apply -n "$TMPD/b.json" 2>&1)
ops=$(jq -c '[.changes[] | [.op, .port]]' <<<"$out" 2>/dev/null)
if [ "$ops" = '[["delete","vmt2"],["update","vmt3"],["add","vmt4"]]' ] &&
	[ "$(jq -c '[.applied, .dry_run]' <<<"$out")" = '[0,true]' ] &&
	[ "$(snapshot)" = "$before" ]; then
	ok $case
else
	fail $case "apply --json --dry-run b.json: $out"
fi

# ---- the changed file: only what differs changes ----
case=apply-changes-only-difference
idx1=$(port_index vmt1)
ent1=$(bpftool -j map lookup pinned "$PIN/vmst_ports" key $idx1 0 0 0 | jq -c .value)
tx1=$(bpftool -j map lookup pinned "$PIN/vmst_tx" key $idx1 0 0 0 | jq -c .value)
cnt1=$(port_counter "$(stats_json)" vmt1 to_vm_xdp_frames)
prog=$(xdp_prog_id up0)
out=$(apply "$TMPD/b.json" 2>&1)
rc=$?
want=$(jq -cS '[.ports[] | {tap, mac, vlan: (.vlan // null)}] | sort_by(.tap)' "$TMPD/b.json")
got=$(ports_view | jq -cS 'map({tap, mac, vlan})')
if [ $rc -ne 0 ]; then
	fail $case "apply b.json failed ($rc): $out"
elif [ "$(grep -c '' <<<"$out")" != 4 ] || ! grep -q '^3 changes applied$' <<<"$out"; then
	fail $case "unexpected output: $out"
elif [ "$got" != "$want" ]; then
	fail $case "ports $got, expected $want"
elif [ "$(port_index vmt1)" != "$idx1" ] || [ "$(xdp_prog_id up0)" != "$prog" ]; then
	fail $case "vmt1 moved (index $idx1 -> $(port_index vmt1)) or up0's program changed"
elif [ "$(bpftool -j map lookup pinned "$PIN/vmst_ports" key $idx1 0 0 0 | jq -c .value)" != "$ent1" ] ||
	[ "$(bpftool -j map lookup pinned "$PIN/vmst_tx" key $idx1 0 0 0 | jq -c .value)" != "$tx1" ]; then
	fail $case "vmt1's map entries were rewritten"
elif [ "$(port_counter "$(stats_json)" vmt1 to_vm_xdp_frames)" != "$cnt1" ]; then
	fail $case "vmt1's counters changed"
else
	ok $case
fi

# ---- dump | apply - is a no-op, and dump is the file ----
case=dump-apply-round-trip
dump=$(vms dump 2>&1)
before=$(snapshot)
out=$(vms dump | vms apply - 2>&1)
rc=$?
after=$(snapshot)
norm='{uplinks: (.uplinks | sort_by(.device)), ports: (.ports | sort_by(.tap))}'
if [ $rc -ne 0 ] || [ "$out" != "no changes" ]; then
	fail $case "dump | apply - gave ($rc): $out"
elif [ "$after" != "$before" ]; then
	fail $case "dump | apply - changed the state"
elif [ "$(jq -cS "$norm" <<<"$dump")" != "$(jq -cS "$norm" "$TMPD/b.json")" ]; then
	fail $case "dump differs from the applied file: $dump"
else
	ok $case
fi

# ---- invalid documents: the JSON path, non-zero exit, nothing changed ----
SNAP=$(snapshot)
# refused CASE PATH FILE: apply FILE fails with one line on stderr naming
# PATH, and every map is byte for byte as it was.
refused() {
	local case=$1 needle=$2 file=$3 after rc lines
	vms apply "$file" >"$TMPD/out" 2>"$TMPD/err"
	rc=$?
	after=$(snapshot)
	lines=$(wc -l <"$TMPD/err")
	if [ $rc -eq 0 ]; then
		fail "$case" "apply succeeded; it should be refused: $(cat "$TMPD/out")"
	elif [ "$lines" -ne 1 ]; then
		fail "$case" "$lines lines on stderr: $(head -c 300 "$TMPD/err" | tr '\n' '|')"
	elif ! grep -qF -- "$needle" "$TMPD/err"; then
		fail "$case" "the error does not name '$needle': $(cat "$TMPD/err")"
	elif [ -s "$TMPD/out" ]; then
		fail "$case" "printed on stdout: $(head -c 200 "$TMPD/out")"
	elif [ "$after" != "$SNAP" ]; then
		fail "$case" "the state changed: $(diff <(echo "$SNAP") <(echo "$after") | tr '\n' '|')"
	else
		ok "$case"
	fi
}

# bad NAME PATH JQ-FILTER: b.json changed by the filter must be refused
# naming PATH. Each bad document also changes a valid part (vmt1's MAC),
# so a partial apply would show.
bad() {
	jq "(.ports[0].mac = \"02:00:00:00:01:77\") | $3" "$TMPD/b.json" >"$TMPD/bad-$1.json" ||
		die "jq filter of $1"
	refused "refused-$1" "$2" "$TMPD/bad-$1.json"
}
bad missing-ports 'document: missing key "ports"' 'del(.ports)'
bad unknown-top-key 'colour: unknown key' '.colour = 1'
bad unknown-port-key 'ports[1].colour: unknown key' '.ports[1].colour = 2'
bad uplinks-not-array 'uplinks: expected an array' '.uplinks = {}'
bad port-not-object 'ports[2]: expected a port object, got a string' '.ports[2] = "vmt4"'
bad missing-mac 'ports[1]: missing key "mac"' 'del(.ports[1].mac)'
bad mac-type 'ports[1].mac: expected a MAC address' '.ports[1].mac = 5'
bad mac-syntax 'ports[2].mac' '.ports[2].mac = "02:00:00:00:04"'
bad mac-multicast 'ports[2].mac' '.ports[2].mac = "01:00:5e:00:00:01"'
bad mac-zero 'ports[1].mac' '.ports[1].mac = "00:00:00:00:00:00"'
bad vlan-type 'ports[1].vlan' '.ports[1].vlan = "200"'
bad vlan-fraction 'ports[1].vlan' '.ports[1].vlan = 2.5'
bad vlan-zero 'ports[1].vlan' '.ports[1].vlan = 0'
bad vlan-4095 'ports[2].vlan' '.ports[2].vlan = 4095'
bad vlan-huge 'ports[2].vlan' '.ports[2].vlan = 18446744073709551616'
bad tap-type 'ports[1].tap' '.ports[1].tap = ["vmt3"]'
bad tap-long 'ports[1].tap' '.ports[1].tap = "a-very-long-tap-name"'
bad tap-slash 'ports[1].tap' '.ports[1].tap = "vm/t3"'
bad mode 'uplinks[0].mode' '.uplinks[0].mode = "turbo"'
bad dup-mac-same-vlan 'ports[2].mac' ".ports[2] = {tap: \"vmt2\", mac: \"$M3B\", vlan: 200}"
bad dup-mac-untagged 'ports[2].mac' ".ports[2] = {tap: \"vmt2\", mac: \"02:00:00:00:01:77\"}"
bad dup-tap 'ports[2].tap' '.ports[2].tap = "vmt1"'
bad dup-uplink 'uplinks[1].device' '.uplinks[1] = {device: "up0"}'
bad not-a-tap 'ports[2].tap: up1 is not a tap' '.ports[2].tap = "up1"'
bad unknown-uplink 'uplinks[0].device: nosuchdev0' '.uplinks[0].device = "nosuchdev0"'
bad uplink-is-tap 'uplinks[1].device: vmt2 is a tap' '.uplinks[1] = {device: "vmt2"}'
bad tap-is-uplink 'uplinks[1].device: vmt4 is also ports[2].tap' '.uplinks[1] = {device: "vmt4"}'
bad too-many-ports 'ports: 4097 ports, at most 4096' \
	'.ports += [range(4094) | {tap: "t\(.)", mac: "02:00:00:00:10:01"}]'
bad too-many-uplinks 'uplinks: 17 uplinks, at most 16' \
	'.uplinks = [range(17) | {device: "u\(.)"}]'
# Errors in the document's text name the line and column.
printf '{"uplinks": [],\n "ports": [}\n' >"$TMPD/bad-syntax.json"
refused refused-syntax 'line 2, column 12' "$TMPD/bad-syntax.json"
printf '{"uplinks": [], "ports": []} x\n' >"$TMPD/bad-trailing.json"
refused refused-trailing 'line 1, column 30' "$TMPD/bad-trailing.json"
refused refused-no-file "$TMPD/nonexistent.json" "$TMPD/nonexistent.json"
bad tap-newline 'ports[1].tap: "vm\nt3" is not a device name (contains a control character)' \
	'.ports[1].tap = "vm\nt3"'
# What apply reads: a regular file, '-' or a pipe; a directory or a device
# is refused, and a FIFO nobody writes to reads as empty instead of
# blocking forever (timeout: a hang fails the case).
mkdir -p "$TMPD/adir"
refused refused-directory "$TMPD/adir: is a directory" "$TMPD/adir"
refused refused-device "/dev/null: not a regular file or a pipe" /dev/null
: >"$TMPD/empty.json"
refused refused-empty "$TMPD/empty.json: empty, no JSON document" "$TMPD/empty.json"
mkfifo "$TMPD/fifo"
case=refused-fifo-without-writer
timeout 20 nsenter --net="/run/netns/$NS_HYP" "$VMSTEER" --pin-path "$PIN" \
	apply "$TMPD/fifo" >"$TMPD/out" 2>"$TMPD/err"
rc=$?
if [ $rc -eq 124 ]; then
	fail $case "apply of a FIFO without a writer still waits after 20 s"
elif [ $rc -eq 0 ] || [ "$(wc -l <"$TMPD/err")" != 1 ] || ! grep -qF "$TMPD/fifo: empty" "$TMPD/err"; then
	fail $case "rc $rc: $(cat "$TMPD/err")"
elif [ "$(snapshot)" != "$SNAP" ]; then
	fail $case "the state changed"
else
	ok $case
fi
case=apply-from-pipe
out=$(vms apply <(cat "$TMPD/b.json") 2>&1)
if [ "$out" = "no changes" ]; then ok $case; else fail $case "apply <(cat b.json): $out"; fi
# Duplicate keys at any depth are refused with their path (json-c alone
# keeps the last one: a trailing "ports": [] would delete every port, a
# leading one would be ignored). Each document also changes vmt1's MAC.
# dupkey NAME PATH SED: b.json, compact, edited by SED.
dupkey() {
	jq -c '.ports[0].mac = "02:00:00:00:01:77"' "$TMPD/b.json" | sed "$3" >"$TMPD/dup-$1.json"
	grep -qF "$4" "$TMPD/dup-$1.json" || die "dupkey $1: sed did not apply"
	refused "refused-dupkey-$1" "$2: duplicate key" "$TMPD/dup-$1.json"
}
dupkey ports-last ports 's/}$/,"ports":[]}/' ',"ports":[]}'
dupkey ports-first ports 's/^{/{"ports":[],/' '{"ports":[],'
dupkey port-vlan 'ports[1].vlan' 's/"vlan":200/"vlan":200,"vlan":201/' '"vlan":201'
dupkey same-value 'uplinks[0].mode' 's/"mode":"native"/&,&/' '"native","mode"'
dupkey tap 'ports[2].tap' 's/"tap":"vmt4"/&,"tap":"vmt2"/' '"vmt4","tap"'
# A valid document the state refuses: up1 runs an XDP program vmsteer
# did not attach.
cat >"$TMPD/foreign.c" <<'EOC'
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
SEC("xdp") int foreign(struct xdp_md *ctx) { return XDP_PASS; }
char LICENSE[] SEC("license") = "GPL";
EOC
if "${CLANG:-clang}" -O2 -g -target bpf -I"$ROOT" -c "$TMPD/foreign.c" -o "$TMPD/foreign.o" 2>"$TMPD/clang.err" &&
	ip -n "$NS_HYP" link set up1 xdpgeneric obj "$TMPD/foreign.o" sec xdp 2>"$TMPD/ip.err"; then
	jq '.uplinks += [{device: "up1"}]' "$TMPD/b.json" >"$TMPD/bad-foreign.json"
	SNAP=$(snapshot)
	refused refused-foreign-xdp \
		"uplinks[1].device: up1 already has an XDP program (id $(xdp_prog_id up1)) that vmsteer did not attach" \
		"$TMPD/bad-foreign.json"
	ip -n "$NS_HYP" link set up1 xdpgeneric off
else
	skip refused-foreign-xdp "cannot attach a foreign XDP program: $(cat "$TMPD/clang.err" "$TMPD/ip.err" 2>/dev/null | head -c 200)"
fi

case=refused-then-valid
out=$(apply "$TMPD/b.json" 2>&1)
if [ "$out" = "no changes" ]; then ok $case; else fail $case "after the refusals, b.json: $out"; fi

# ---- another attach mode: detached and attached again ----
case=apply-mode-change
jq '.uplinks[0].mode = "generic"' "$TMPD/b.json" >"$TMPD/b-generic.json"
jq '.uplinks[0].mode = "auto"' "$TMPD/b.json" >"$TMPD/b-auto.json"
out=$(apply "$TMPD/b-generic.json" 2>&1)
mode=$(vms --json status | jq -r '.uplinks[0].mode')
out2=$(apply "$TMPD/b-auto.json" 2>&1)
out3=$(apply "$TMPD/b.json" 2>&1)
mode3=$(vms --json status | jq -r '.uplinks[0].mode')
if [ "$out" != "reattach uplink up0: native -> generic mode
1 change applied" ] || [ "$mode" != generic ]; then
	fail $case "to generic: $out (mode $mode)"
elif [ "$out2" != "no changes" ]; then
	fail $case "mode auto on a generic uplink should change nothing: $out2"
elif ! grep -q '^reattach uplink up0: generic -> native mode$' <<<"$out3" || [ "$mode3" != native ]; then
	fail $case "back to native: $out3 (mode $mode3)"
else
	ok $case
fi

# ---- an empty document removes everything of this namespace ----
case=apply-empty-removes-all
doc empty.json '{"uplinks": [], "ports": []}'
out=$(apply "$TMPD/empty.json" 2>&1)
rc=$?
if [ $rc -ne 0 ] || ! grep -q '^4 changes applied$' <<<"$out"; then
	fail $case "apply empty.json gave ($rc): $out"
elif [ "$(vms --json port list | jq length)" != 0 ] || [ "$(xdp_prog_id up0)" != none ]; then
	fail $case "ports or the uplink program remain"
elif [ "$(vms --json status | jq .fdb_entries)" != 0 ]; then
	fail $case "FDB entries remain: $(vms --json status)"
else
	ok $case
fi

lib_done
