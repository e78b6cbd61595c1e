#!/usr/bin/env bash
# vmsteer-test: parallel 28
# Crash safety of apply (test_crash_move.sh: of applies that move ports;
# test_crash_add.sh: of port add and addresses): vmsteer killed (SIGKILL)
# in the middle of an apply that attaches an uplink and adds 20 ports (120
# in the long run), and of one that removes them all, never leaves an FDB entry that leads to a missing or
# mismatched port entry, record or redirect target (`status` checks it:
# .inconsistencies), and the next apply converges: dump equals the file,
# nothing left to repair. The kill points are exact:
# build/tests/vmsteer-crash is the CLI with crash points that SIGKILL it
# before its Nth write to the state, a map write, a link operation of
# attach and detach or a tc change (tests/crash/crashpoint.c, test-only;
# which points: tests/netns/crash_lib.sh). A tap that disappears while
# configured is reported by status and cleaned up by `port del` and by
# `apply`, and the checker finds breakage made by hand.
. "$(dirname "$0")/lib.sh"
lib_init crash
. "$LIB_DIR/crash_lib.sh"

# ---- how many writes each transition takes, and kills in both ----
# empty->A begins by attaching the uplink (tracing links, the XDP link and
# its pin, the uplink record) and A->empty ends detaching it: those are
# kinds of their own among the kill points (target, port entry, record,
# FDB...).
kill_both_ways empty A $((NPORTS * 4)) $((NPORTS * 3))

# ---- a tap that disappears while configured ----
apply_clean "$TMPD/A.json" || die "back to A: $WHY"
ip -n "$NS_HYP" link del t7 || die "cannot delete t7"
case=tap-gone-status
st=$(vms --json status)
if ! jq -e '.problems | any(test("port t7: tap is gone"))' <<<"$st" >/dev/null; then
	fail $case "status does not report t7 gone: $(jq -c .problems <<<"$st")"
elif ! vms status | grep -q 'port t7: tap is gone'; then
	fail $case "plain status does not report t7 gone"
elif ! consistent; then
	fail $case "$WHY"
else
	ok $case
fi

case=tap-gone-apply-makes-it-pending
out=$(vms apply "$TMPD/A.json" 2>&1)
rc=$?
st7=$(vms --json port list | jq -r '[.[] | select(.tap == "t7") | .state] | first')
if [ $rc -eq 0 ] && grep -q '^update port t7: .*, pending' <<<"$out" &&
	[ "$st7" = pending ] && consistent; then
	ok $case
else
	fail $case "apply naming the gone t7 gave ($rc, t7 $st7): $out ${WHY:-}"
fi

case=tap-gone-port-del
out=$(vms port del t7 2>&1)
rc=$?
st=$(vms --json status)
if [ $rc -ne 0 ]; then
	fail $case "port del t7 failed ($rc): $out"
elif jq -e '.problems | any(test("t7"))' <<<"$st" >/dev/null ||
	[ "$(vms --json port list | jq '[.[] | select(.tap == "t7")] | length')" != 0 ]; then
	fail $case "t7 still there after port del: $(jq -c .problems <<<"$st")"
elif ! consistent; then
	fail $case "$WHY"
else
	ok $case
fi

case=tap-gone-apply-cleans-up
jq 'del(.ports[] | select(.tap == "t7" or .tap == "t8"))' "$TMPD/A.json" >"$TMPD/A-no78.json"
ip -n "$NS_HYP" link del t8 || die "cannot delete t8"
out=$(vms apply "$TMPD/A-no78.json" 2>&1)
rc=$?
st=$(vms --json status)
if [ $rc -ne 0 ] || ! grep -q '^delete port t8' <<<"$out"; then
	fail $case "apply without t8 gave ($rc): $out"
elif jq -e '.problems | any(test("t8"))' <<<"$st" >/dev/null; then
	fail $case "t8 still reported: $(jq -c .problems <<<"$st")"
elif ! converged "$TMPD/A-no78.json"; then
	fail $case "$WHY"
else
	ok $case
fi

# le32 N: N as the 4 little-endian bytes bpftool takes for a u32 key.
le32() { printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }

# A tap deleted and created again under its name (a VM restarted): apply
# of the unchanged document points the port at the new tap.
case=tap-recreated-apply-repairs
old_ifi=$(vms --json port list | jq -r '.[] | select(.tap == "t10") | .ifindex')
ip -n "$NS_HYP" link del t10 && ip -n "$NS_HYP" tuntap add dev t10 mode tap &&
	ip -n "$NS_HYP" link set t10 up || die "cannot re-create t10"
new_ifi=$(ip -n "$NS_HYP" -j link show t10 | jq -r '.[0].ifindex')
out=$(vms apply "$TMPD/A-no78.json" 2>&1)
rc=$?
idx=$(vms --json port list | jq -r '.[] | select(.tap == "t10") | .index')
tx=$(bpftool -j map lookup pinned "$PIN/vmst_tx" key $(le32 $idx) 2>/dev/null | jq -r '.value | .[0:4] | map(ltrimstr("0x")) | reverse | join("")')
if [ $rc -ne 0 ] || ! grep -q 't10' <<<"$out"; then
	fail $case "apply after re-creating t10 gave ($rc): $out"
elif [ -z "$tx" ] || [ $((16#$tx)) != "$new_ifi" ]; then
	fail $case "t10's redirect target is ${tx:-none}, the new tap is ifindex $new_ifi (was $old_ifi)"
elif ! converged "$TMPD/A-no78.json"; then
	fail $case "$WHY"
else
	ok $case
fi

# ---- the checker can fail: a hand-broken FDB slot is reported ----
case=checker-finds-breakage
idx=$(vms --json port list | jq -r '.[] | select(.tap == "t9") | .index')
bpftool map delete pinned "$PIN/vmst_tx" key $(le32 $idx) 2>/dev/null
st=$(vms --json status)
if jq -e --arg i "$idx" '.inconsistencies | any(test("no redirect target \\(index " + $i))' <<<"$st" >/dev/null &&
	[ "$(jq -r .consistent <<<"$st")" = false ] && vms status | grep -q INCONSISTENT; then
	if apply_clean "$TMPD/A-no78.json"; then
		ok $case
	else
		fail $case "apply did not repair the removed target: $WHY"
	fi
else
	fail $case "a deleted redirect target of t9 (index $idx) not reported: $(jq -c '[.consistent, .inconsistencies]' <<<"$st")"
fi

# An FDB slot naming a free port index (what a delete that cleared the
# record before the slot would leave): reported, and apply repairs it.
case=checker-finds-stale-slot
used=$(vms --json port list | jq -r '.[].index')
free=$(comm -13 <(sort <<<"$used") <(seq 1 255 | sort) | head -n1)
for ((slot = 0; slot < 2048; slot++)); do
	v=$(bpftool -j map lookup pinned "$PIN/vmst_fdb" key $(le32 $slot) | jq -c .value)
	[ "$v" = '["0x00","0x00","0x00","0x00"]' ] && break
done
bpftool map update pinned "$PIN/vmst_fdb" key $(le32 $slot) value $(le32 "$free") ||
	die "cannot write FDB slot $slot"
st=$(vms --json status)
out=$(vms apply "$TMPD/A-no78.json" 2>&1)
if ! jq -e --arg s "$slot" '.inconsistencies | any(test("FDB slot " + $s + " names a free port index"))' <<<"$st" >/dev/null; then
	fail $case "slot $slot naming free index $free not reported: $(jq -c .inconsistencies <<<"$st")"
elif ! grep -q "^repair FDB slot $slot: names free port index $free" <<<"$out" || ! converged "$TMPD/A-no78.json"; then
	fail $case "apply did not repair slot $slot: $out ${WHY:-}"
else
	ok $case
fi

lib_done
