#!/usr/bin/env bash
# Queue steering on the XDP path (--xdp-steer cpumap): the uplink program
# hashes each frame as the tap's steering program would and hands it to
# the CPU of its queue through the CPUMAP, whose program redirects it into
# the tap from there. On this host, a tap with as many queues as there are
# CPUs: for hundreds of flows every frame arrives, through XDP, on the
# queue the user-space reference predicts (the same prediction the skb
# path is held to in test_rss.sh). A queue count the host's CPUs cannot
# reach is refused.
. "$(dirname "$0")/lib.sh"
lib_init rssx

RSSFLOW=$TOOLS/rssflow
[ -x "$RSSFLOW" ] || die "$RSSFLOW not built (make test-progs)"
NCPU=$(nproc --all)
QUEUES=$NCPU
NFLOWS=400
[ "$QUEUES" -ge 2 ] || { skip rssx "one CPU: nothing to steer"; exit 0; }

topo_create
tap_create vmt1
tap_create vmt2
VMSIM_QUEUES=$QUEUES vmsim_start vm1 vmt1
vms attach up0 >/dev/null || die "attach up0 failed"
mode=$(vms_json status | jq -r '.uplinks[0].mode')
vms port add vmt1 --mac "$MAC_VM1" --queues $QUEUES --xdp-steer cpumap \
	>"$TMPD/add.out" 2>&1 || die "port add --xdp-steer cpumap failed: $(cat "$TMPD/add.out")"

case=xdp-steer-shown
got=$(vms_json port list | jq -r '.[0].xdp_steer')
if [ "$got" = cpumap ]; then ok $case; else fail $case "port list says '$got'"; fi

"$RSSFLOW" gen $NFLOWS --dst "$MAC_VM1" --src "$MAC_WIRE" --seed 7 >"$TMPD/flows.hex" ||
	die "rssflow gen failed"
"$RSSFLOW" predict --queues $QUEUES <"$TMPD/flows.hex" | sort >"$TMPD/want"

vm_rx() { vmsim_report vm1 | kv rx_frames; }
rx_at_least() { [ "$(vm_rx)" -ge "$1" ]; }
sent=$(send_hex "$TMPD/flows.hex") || die "sendframes failed"
[ "$sent" = $NFLOWS ] || die "socket sent $sent of $NFLOWS"

case=xdp-all-arrive
if wait_for "vmsim to read $NFLOWS frames" rx_at_least $NFLOWS; then ok $case; else
	fail $case "vmsim read $(vm_rx) of $NFLOWS"
fi
vmsim_report vm1 >/dev/null
awk '{print $2, $1}' "$TMPD/vm1.hex" | sort >"$TMPD/got"

case=xdp-path-taken
xdp=$(stats_json | jq -r '.ports[] | select(.port == "vmt1") | .counters.to_vm_xdp_frames')
if [ "$xdp" = $NFLOWS ]; then ok $case; else
	fail $case "uplink redirected $xdp of $NFLOWS frames ($mode mode)"
fi

case=xdp-flows-on-predicted-queue
if cmp -s "$TMPD/want" "$TMPD/got"; then
	ok $case
else
	fail $case "$(diff "$TMPD/want" "$TMPD/got" | grep -c '^[<>]') lines differ (HEX QUEUE), $mode mode"
fi

case=xdp-queue-counters
hist=
for q in $(seq 0 $((QUEUES - 1))); do
	hist="$hist $(awk -v q=$q '$2 == q' "$TMPD/got" | wc -l)"
done
hist=${hist# }
counted=$(stats_json | jq -r '.ports[] | select(.port == "vmt1") | .frames_per_queue | map(tostring) | join(" ")')
if [ "$counted" = "$hist" ] && ! grep -qw 0 <<<"$hist"; then ok $case; else
	fail $case "counters '$counted', vmsim read '$hist' per queue"
fi

case=xdp-steer-dump-apply
vms_json dump >"$TMPD/doc.json" || die "dump failed"
out=$(vms apply "$TMPD/doc.json" 2>&1)
steer=$(jq -r '.ports[0].xdp_steer' "$TMPD/doc.json")
jq '.ports[0].xdp_steer = "none"' "$TMPD/doc.json" >"$TMPD/none.json"
out2=$(vms apply "$TMPD/none.json" 2>&1)
now=$(vms_json port list | jq -r '.[0].xdp_steer')
if [ "$steer" = cpumap ] && [ "$out" = "no changes" ] && [ "$now" = none ]; then
	ok $case
else
	fail $case "dump xdp_steer '$steer', apply '$out', apply none '$out2' -> '$now'"
fi

# Steering off: frames go straight (no CPUMAP program counts them).
case=xdp-steer-off-direct
before=$(stats_json | jq -r '.ports[] | select(.port == "vmt1") | .frames_per_queue | add')
head -n 50 "$TMPD/flows.hex" >"$TMPD/few.hex"
sent=$(send_hex "$TMPD/few.hex")
if wait_for "vmsim to read $((NFLOWS + 50)) frames" rx_at_least $((NFLOWS + 50)) &&
	[ "$(stats_json | jq -r '.ports[] | select(.port == "vmt1") | .frames_per_queue | add')" = "$before" ]; then
	ok $case
else
	fail $case "sent $sent; vmsim read $(vm_rx); queue counters $before -> $(stats_json | jq -c '.ports[0].frames_per_queue')"
fi

case=xdp-steer-refuses-unreachable-queues
want=$((NCPU + 1))
out=$(vms port add vmt2 --mac "$MAC_VM2" --queues $want --xdp-steer cpumap 2>&1)
rc=$?
if [ $rc != 0 ] && grep -qE "needs CPUs 0..$NCPU online|reaches at most $NCPU queues on this host" <<<"$out" &&
	[ "$(vms_json port list | jq length)" = 1 ]; then
	ok $case
else
	fail $case "rc=$rc '$out'"
fi

lib_done
