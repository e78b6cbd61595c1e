#!/usr/bin/env bash
# The tc programs in `vmsteer status` and the exporter:
# - status (JSON and plain) names the uplink's tc program by the id tc
#   reports, and counts the ports with and without their tap program; a
#   filter removed behind vmsteer's back shows as missing, with a problem,
#   and 'vmsteer attach' again puts it back;
# - vmsteer_program_info lists the uplink's tc program, each tap program
#   and the steering program of a port with queue steering, by the ids
#   the kernel reports.
. "$(dirname "$0")/lib.sh"
lib_init stattc

command -v curl >/dev/null || die "curl not installed (make deps)"
topo_create
for i in 1 2 3; do tap_create vmt$i; done
vmsim_start vm3 vmt3
vms attach up0 >/dev/null || die "vmsteer attach up0 failed"
vms port add vmt1 --mac "$MAC_VM1" >/dev/null || die "port add vmt1 failed"
vms port add vmt2 --mac "$MAC_VM2" --vlan 100 >/dev/null ||
	die "port add vmt2 failed"
vms port add vmt3 --mac 02:00:00:00:03:03 --queues 2 >/dev/null ||
	die "port add vmt3 failed"

# tc_id DEV: the id of the BPF program of the ingress filter on DEV, as
# tc shows it.
tc_id() {
	tc -n "$NS_HYP" -j filter show dev "$1" ingress |
		jq -r '[.[].options.prog.id // empty] | first // 0'
}
up_tc=$(tc_id up0)
[ "$up_tc" != 0 ] || die "tc shows no program on up0"

st=$(vms --json status) || die "status failed (or needs attention: exit $?)"
case=status-json-uplink-tc-prog
got=$(jq -r '.uplinks[0].tc_prog_id' <<<"$st")
if [ "$got" = "$up_tc" ]; then
	ok $case
else
	fail $case "tc_prog_id $got, tc shows $up_tc"
fi
case=status-json-taps-all-attached
got=$(jq -r '"\(.tc_attached) \(.tc_missing)"' <<<"$st")
if [ "$got" = "3 0" ]; then
	ok $case
else
	fail $case "tc_attached tc_missing: $got, want 3 0"
fi

# vmt2's tap program goes, behind vmsteer's back: its qdisc, which binds
# it to the state's shared tc block (the other taps keep the block).
tc -n "$NS_HYP" qdisc del dev vmt2 clsact || die "cannot remove vmt2's filter"
[ "$(tc_id vmt2)" = 0 ] || die "vmt2's filter is still there"
st=$(vms --json status)
rc=$?
case=status-json-tap-missing
got=$(jq -r '"\(.tc_attached) \(.tc_missing)"' <<<"$st")
if [ $rc -ne 3 ]; then
	fail $case "exit status $rc, want 3 (needs attention)"
elif [ "$(jq -r '[.attention[] | select(.kind == "no_tap_program") | .object] | join(",")' <<<"$st")" != vmt2 ]; then
	fail $case "attention: $(jq -c .attention <<<"$st")"
elif [ "$got" != "2 1" ]; then
	fail $case "tc_attached tc_missing: $got, want 2 1"
elif ! jq -e '.problems | any(test("port vmt2: its tap program is not attached"))' \
	<<<"$st" >/dev/null; then
	fail $case "no problem names vmt2: $(jq -c .problems <<<"$st")"
else
	ok $case
fi
case=status-plain-tc
plain=$(vms status)
[ $? -eq 3 ] || die "status: exit $?, want 3"
if ! grep -Eq "^tap tc: +2 ports with their tap program, 1 without" <<<"$plain"; then
	fail $case "no tap tc line: $(tr '\n' '|' <<<"$plain")"
elif ! grep -Eq "^up0 .* $up_tc +ok$" <<<"$plain"; then
	fail $case "no up0 row with TC_PROG $up_tc: $(tr '\n' '|' <<<"$plain")"
else
	ok $case
fi

vms attach up0 >/dev/null || die "attach up0 (re-run) failed"
case=attach-puts-tap-program-back
got=$(vms --json status | jq -r '"\(.tc_attached) \(.tc_missing)"')
if [ "$got" = "3 0" ] && [ "$(tc_id vmt2)" != 0 ]; then
	ok $case
else
	fail $case "after attach: tc_attached tc_missing $got, vmt2 tc id $(tc_id vmt2)"
fi

# ---- the exporter --------------------------------------------------------------

EXP_PORT=9477
nsenter --net="/run/netns/$NS_HYP" "$VMSTEER" exporter \
	--listen "127.0.0.1:$EXP_PORT" --timeout 2 >"$TMPD/exp.out" 2>"$TMPD/exp.err" &
LIB_PIDS+=("$!")
wait_for "the exporter" in_hyp curl -s -o /dev/null -m 2 "http://127.0.0.1:$EXP_PORT/" ||
	die "exporter did not start: $(cat "$TMPD/exp.err")"
metrics=$(in_hyp curl -s -m 10 "http://127.0.0.1:$EXP_PORT/metrics") ||
	die "scrape failed"
# ids DEV...: the sorted tc program ids of the devices
ids() { for d in "$@"; do tc_id "$d"; done | sort -nu | tr '\n' ' '; }
prog_ids() {
	sed -n "s/^vmsteer_program_info{program=\"$1\",id=\"\([0-9]*\)\"} 1$/\1/p" <<<"$metrics" |
		sort -n | tr '\n' ' '
}
case=metrics-uplink-tc-program
if [ "$(prog_ids uplink_tc)" = "$up_tc " ]; then
	ok $case
else
	fail $case "uplink_tc ids '$(prog_ids uplink_tc)', want '$up_tc '"
fi
case=metrics-tap-programs
if [ "$(prog_ids tap)" = "$(ids vmt1 vmt2 vmt3)" ]; then
	ok $case
else
	fail $case "tap ids '$(prog_ids tap)', tc shows '$(ids vmt1 vmt2 vmt3)'"
fi
case=metrics-steering-program
steer=$(vms --json rss show vmt3 | jq -r '.steering.prog_id // empty')
if [ -n "$steer" ] && [ "$steer" != 0 ] && [ "$(prog_ids steer)" = "$steer " ]; then
	ok $case
else
	fail $case "steer ids '$(prog_ids steer)', rss show says '$steer'"
fi

lib_done
