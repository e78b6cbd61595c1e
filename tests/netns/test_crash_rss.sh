#!/usr/bin/env bash
# Crash safety of RSS key slots (load/rsskeys.c): vmsteer killed (SIGKILL)
# before any write of an apply that changes ports' RSS keys, takes keys
# away (ports deleted, keys replaced) and brings new ones (new ports, new
# keys), in both directions. After every kill no port names a key slot
# whose tables are another key's (status would list it under .repairs:
# crash_lib's `consistent` refuses it), no FDB entry is broken, and the
# next apply converges (dump equals the document, nothing to repair). The
# ports are pending (their taps do not exist): their vmst_rss entries and
# key slots are written all the same, and no tap queue is needed. Kill
# points: tests/netns/crash_lib.sh.
. "$(dirname "$0")/lib.sh"
lib_init crashrss
. "$LIB_DIR/crash_lib.sh"

# key N: a 40-byte key of its own for every N (0..255).
key() {
	local i out
	printf -v out '%02x' "$1"
	for i in $(seq 1 39); do
		printf -v out '%s:%02x' "$out" $((($1 * 7 + i * 13) & 255))
	done
	echo "$out"
}

# mkrss R1|R2: NPORTS pending ports k0.. with queue steering. R1: five
# keys. R2: every 7th port gone, every 3rd on one of four new keys, every
# 4th on R1's key 0, and 5 new ports on three more keys.
mkrss() {
	local i k first=1 n=$NPORTS
	[ "$1" = R2 ] && n=$((NPORTS + 5))
	echo '{"uplinks": [], "ports": ['
	for i in $(seq 0 $((n - 1))); do
		k=$((i % 5))
		if [ "$1" = R2 ]; then
			[ $((i % 7)) = 0 ] && [ $i -lt $NPORTS ] && continue
			[ $((i % 3)) = 0 ] && k=$((10 + i % 4))
			[ $((i % 4)) = 0 ] && k=0
			[ $i -ge $NPORTS ] && k=$((20 + i % 3))
		fi
		[ $first = 1 ] || echo ','
		first=0
		printf '{"tap": "k%d", "mac": "02:00:00:05:%02x:%02x", "queues": 2, "rss": {"key": "%s"}}' \
			$i $((i / 256)) $((i % 256)) "$(key $k)"
	done
	echo ']}'
}
# The documents as dump writes them (every RSS field spelt out), so that
# `converged` can compare.
for d in R2 R1; do
	mkrss $d >"$TMPD/$d.in.json"
	out=$(vms apply "$TMPD/$d.in.json" 2>&1) || die "apply $d: $out"
	vms --json dump >"$TMPD/$d.json" || die "dump $d"
done
case=rss-documents
k1=$(jq '[.ports[].rss.key] | unique | length' "$TMPD/R1.json")
k2=$(jq '[.ports[].rss.key] | unique | length' "$TMPD/R2.json")
if [ "$k1" = 5 ] && [ "$k2" -ge 8 ] && [ "$(vms --json status | jq .rss_keys)" = 5 ]; then
	ok $case
else
	fail $case "distinct keys: R1 $k1, R2 $k2, status $(vms --json status | jq .rss_keys)"
fi

kill_both_ways R1 R2 "$NPORTS" "$NPORTS"
# R1->R2 brings new keys: their tables are written (kill points among
# them). Every key of R1 is still held in R2, so R2->R1 writes no tables.
case=rss-slot-writes
n12=$(grep -c 'vmst_rss_lut' "$TMPD/R1-R2.trace")
n21=$(grep -c 'vmst_rss_lut' "$TMPD/R2-R1.trace")
if [ "$n12" -ge 3 ] && [ "$n21" = 0 ]; then
	ok $case
else
	fail $case "vmst_rss_lut writes: R1->R2 $n12 (want >= 3), R2->R1 $n21 (want 0)"
fi

lib_done
