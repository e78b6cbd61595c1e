#!/usr/bin/env bash
# Crash safety of applies that delete, move and add ports (test_crash.sh:
# of attach, add all and remove all): between document A (an uplink and 20
# ports; 120 in the long run) and document B (every 7th port gone, every
# 5th on another MAC, every 11th on another VLAN, 10 new), vmsteer killed
# (SIGKILL) in the middle of apply, once or twice in a row, never leaves
# an inconsistent state (`status`: .inconsistencies), and the next apply
# converges. Kill points: tests/netns/crash_lib.sh.
. "$(dirname "$0")/lib.sh"
lib_init crashmove
. "$LIB_DIR/crash_lib.sh"

apply_clean "$TMPD/A.json" || die "apply A: $WHY"
kill_both_ways A B "$NPORTS" "$NPORTS"
wAB=$W_XY

# Killed again while repairing: two kills in a row, then a clean apply.
case=kill-during-repair
apply_clean "$TMPD/A.json" || fail $case "setting up A: $WHY"
crash_run $((wAB / 2)) apply "$TMPD/B.json"
rc1=$?
crash_run 3 apply "$TMPD/A.json"
rc2=$?
if [ $rc1 != 137 ] || [ $rc2 != 137 ]; then
	fail $case "expected two kills, exit statuses $rc1 and $rc2"
elif ! consistent; then
	fail $case "after two kills: $WHY"
elif ! apply_clean "$TMPD/B.json"; then
	fail $case "$WHY"
else
	ok $case
fi

lib_done
