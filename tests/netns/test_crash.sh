#!/usr/bin/env bash
# Crash safety: vmsteer killed (SIGKILL) at many points in the middle of an
# apply of 120 ports and of `port add` never leaves an FDB entry that leads
# to a missing or mismatched port entry, record or redirect target
# (`status` checks it: .inconsistencies), and the next apply converges:
# dump equals the file, nothing left to repair. The kill points are exact:
# build/tests/vmsteer-crash is the CLI with crash points that SIGKILL it
# before its Nth write to the state, a map write or a link operation of
# attach and detach (tests/crash/crashpoint.c, test-only). A tap that
# disappears while configured is reported by status and cleaned up by
# `port del` and by `apply`. The same with addresses: applies that add,
# change and remove ports' addresses and `port add --ip`, killed, leave no
# address in the tries that no port's record holds once apply converged.
. "$(dirname "$0")/lib.sh"
lib_init crash

CRASH=$BUILD/tests/vmsteer-crash
[ -x "$CRASH" ] || die "$CRASH not built (make test-progs)"
NPORTS=120

topo_create
# 130 plain taps in one batch (cheap: no queues are opened).
for i in $(seq 0 129); do
	echo "tuntap add dev t$i mode tap"
	echo "link set t$i up"
done >"$TMPD/taps.batch"
ip -n "$NS_HYP" -batch "$TMPD/taps.batch" || die "cannot create the taps"

# Document A: up0 and ports t0..t119 (a third untagged, the rest on five
# VLANs). Document B: every 7th port gone, every 5th with another MAC, every
# 11th on another VLAN, t120..t129 new: deletes, moves and adds.
mkdoc() { # A|B
	local i mac vlan first=1
	echo '{"uplinks": [{"device": "up0", "mode": "native"}], "ports": ['
	for i in $(seq 0 129); do
		printf -v mac '02:00:00:01:%02x:%02x' $((i / 256)) $((i % 256))
		vlan=$((i % 3 ? 10 + i % 5 : 0))
		if [ "$1" = A ]; then
			[ $i -lt $NPORTS ] || continue
		else
			[ $((i % 7)) = 0 ] && continue
			[ $((i % 5)) = 0 ] && printf -v mac '02:00:00:02:%02x:%02x' $((i / 256)) $((i % 256))
			[ $((i % 11)) = 0 ] && vlan=$((vlan + 100))
		fi
		[ $first = 1 ] || echo ','
		first=0
		if [ $vlan = 0 ]; then
			printf '{"tap": "t%d", "mac": "%s"}' $i "$mac"
		else
			printf '{"tap": "t%d", "mac": "%s", "vlan": %d}' $i "$mac" $vlan
		fi
	done
	echo ']}'
}
mkdoc A >"$TMPD/A.json"
mkdoc B >"$TMPD/B.json"
echo '{"uplinks": [], "ports": []}' >"$TMPD/empty.json"
jq -e . "$TMPD/A.json" "$TMPD/B.json" >/dev/null || die "bad test documents"

# crash_run AFTER ARGS: the crash-point CLI in hyp, killed before its
# map write AFTER+1; prints nothing, returns its exit status (137: killed).
crash_run() {
	local after=$1
	shift
	VMSTEER_CRASH_AFTER=$after VMSTEER_CRASH_COUNT=$TMPD/count \
		in_hyp "$CRASH" --pin-path "$PIN" "$@" >"$TMPD/crash.out" 2>"$TMPD/crash.err"
} 2>/dev/null
# writes ARGS: how many map writes the command makes when not killed.
writes() {
	rm -f "$TMPD/count"
	crash_run "" "$@" || return 1
	cat "$TMPD/count"
}

# consistent: status finds no inconsistency. Sets WHY otherwise.
consistent() {
	local st
	# Exit status 3: something needs attention (a tap gone...), not a failure.
	st=$(vms --json status 2>&1)
	case $? in 0 | 3) ;; *) WHY="status failed: $st"; return 1 ;; esac
	if [ "$(jq -r '.inconsistencies | length' <<<"$st")" != 0 ]; then
		WHY="inconsistent: $(jq -c .inconsistencies <<<"$st" | head -c 600)"
		return 1
	fi
}
# converged FILE: dump is FILE and there is nothing left to repair.
norm='{uplinks: (.uplinks | sort_by(.device)), ports: (.ports | sort_by(.tap))}'
converged() {
	local st
	if [ "$(vms dump 2>/dev/null | jq -cS "$norm")" != "$(jq -cS "$norm" "$1")" ]; then
		WHY="dump differs from $(basename "$1")"
		return 1
	fi
	st=$(vms --json status)
	if [ "$(jq -r '(.inconsistencies | length) + (.repairs | length)' <<<"$st")" != 0 ]; then
		WHY="left after apply: $(jq -c '.inconsistencies + .repairs' <<<"$st" | head -c 600)"
		return 1
	fi
}
# apply_clean FILE: apply without crash points; sets WHY on failure.
apply_clean() {
	local out
	out=$(vms apply "$1" 2>&1) || { WHY="apply $(basename "$1") failed: $out"; return 1; }
	converged "$1"
}

# ---- how many writes each transition takes ----
wA=$(writes apply "$TMPD/A.json") || die "apply A with crash points: $(cat "$TMPD/crash.err")"
converged "$TMPD/A.json" || die "apply A: $WHY"
wAB=$(writes apply "$TMPD/B.json") || die "apply B: $(cat "$TMPD/crash.err")"
converged "$TMPD/B.json" || die "apply B: $WHY"
wBA=$(writes apply "$TMPD/A.json") || die "apply B->A: $(cat "$TMPD/crash.err")"
wAE=$(writes apply "$TMPD/empty.json") || die "apply A->empty: $(cat "$TMPD/crash.err")"
converged "$TMPD/empty.json" || die "apply empty: $WHY"
log "writes: empty->A $wA, A->B $wAB, B->A $wBA, A->empty $wAE"

case=crash-points-counted
if [ "$wA" -gt $((NPORTS * 4)) ] && [ "$wAB" -gt 40 ] && [ "$wBA" -gt 40 ] &&
	[ "$wAE" -gt $((NPORTS * 3)) ]; then
	ok $case
else
	fail $case "too few writes counted: empty->A $wA, A->B $wAB, B->A $wBA, A->empty $wAE"
fi

# early_ok TO: a killed command's write count can shrink by a few: a kill
# between creating a tap's clsact qdisc and recording it as vmsteer's
# leaves an (empty) qdisc vmsteer no longer counts as its own, so later
# runs neither record nor remove it. A run that finished before its kill
# point must then have converged to TO.
early_ok() {
	log "finished before the kill point (a qdisc left by an earlier kill)"
	converged "$TMPD/$1.json"
}

# kill_round CASE FROM TO AFTER: bring the state to FROM, apply TO killed
# after AFTER writes; the state must be consistent; then apply TO again and
# it must converge.
kill_round() {
	local case=$1 from=$2 to=$3 after=$4 rc
	apply_clean "$TMPD/$from.json" || { fail "$case" "setting up $from: $WHY"; return; }
	crash_run "$after" apply "$TMPD/$to.json"
	rc=$?
	if [ $rc -eq 0 ] && early_ok "$to"; then
		return 0
	elif [ $rc -ne 137 ]; then
		fail "$case" "apply $to was to be killed after $after writes, exited $rc: $(head -c 300 "$TMPD/crash.err")"
	elif ! consistent; then
		fail "$case" "killed after $after writes: $WHY"
	elif ! apply_clean "$TMPD/$to.json"; then
		fail "$case" "killed after $after writes, then: $WHY"
	else
		return 0
	fi
	return 1
}

# Kill points spread over each transition, with a prime stride so they
# fall on every kind of write (target, port entry, record, FDB...).
# The first writes of empty->A attach the uplink (tracing links, the XDP
# link and its pin, the uplink record); the last of A->empty detach it:
# every one of those is a kill point too.
for spec in "empty A $wA 23 10 0" "A B $wAB 9 0 0" "B A $wBA 9 0 0" \
	"A empty $wAE 6 0 6"; do
	set -- $spec
	from=$1 to=$2 total=$3 rounds=$4 first=$5 last=$6 bad=0 n=0
	points=$( {
		seq 0 $((first - 1))
		for ((r = 0; r < rounds; r++)); do
			echo $(((total * r) / rounds + (r * 7) % 5))
		done
		seq $((total - last)) $((total - 1))
	} | awk -v t="$total" '$1 >= 0 && $1 < t' | sort -nu)
	for after in $points; do
		kill_round "kill-apply-$from-$to-$after" "$from" "$to" "$after" || bad=$((bad + 1))
		n=$((n + 1))
	done
	[ $bad = 0 ] && ok "kill-apply-$from-to-$to ($n kill points of $total writes)"
done

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

# ---- port add: a new port, and an existing port moving to another MAC,
# killed before every one of its writes ----
apply_clean "$TMPD/A.json" || die "back to A: $WHY"
# A without t5, and A with t5 on a new MAC and VLAN.
jq 'del(.ports[] | select(.tap == "t5"))' "$TMPD/A.json" >"$TMPD/A-no5.json"
jq '(.ports[] | select(.tap == "t5")) |= {tap, mac: "02:00:00:03:00:05", vlan: 42}' \
	"$TMPD/A.json" >"$TMPD/A-moved5.json"
t5mac=$(jq -r '.ports[] | select(.tap == "t5") | .mac' "$TMPD/A.json")
t5vlan=$(jq -r '.ports[] | select(.tap == "t5") | .vlan // empty' "$TMPD/A.json")
for kind in new move; do
	if [ $kind = new ]; then
		from=A-no5 args=(port add t5 --mac "$t5mac" ${t5vlan:+--vlan $t5vlan}) to=A
	else
		from=A args=(port add t5 --mac 02:00:00:03:00:05 --vlan 42) to=A-moved5
	fi
	apply_clean "$TMPD/$from.json" || die "setting up $from: $WHY"
	total=$(writes "${args[@]}") || die "port add ($kind): $(cat "$TMPD/crash.err")"
	bad=0
	for ((after = 0; after < total; after++)); do
		apply_clean "$TMPD/$from.json" || { fail "kill-port-add-$kind-$after" "reset: $WHY"; bad=1; continue; }
		crash_run "$after" "${args[@]}"
		rc=$?
		if [ $rc -eq 0 ] && early_ok "$to"; then
			continue
		elif [ $rc -ne 137 ]; then
			fail "kill-port-add-$kind-$after" "port add was to be killed, exited $rc"
			bad=1
		elif ! consistent; then
			fail "kill-port-add-$kind-$after" "$WHY"
			bad=1
		elif ! apply_clean "$TMPD/$to.json"; then
			fail "kill-port-add-$kind-$after" "then apply: $WHY"
			bad=1
		fi
	done
	[ $bad = 0 ] && ok "kill-port-add-$kind ($total kill points)"
done

# Re-running the killed port add itself completes it as well.
case=port-add-rerun-completes
apply_clean "$TMPD/A-no5.json" || fail $case "setting up: $WHY"
crash_run 4 port add t5 --mac "$t5mac" ${t5vlan:+--vlan $t5vlan}
rc=$?
out=$(vms port add t5 --mac "$t5mac" ${t5vlan:+--vlan $t5vlan} 2>&1)
if [ $rc != 137 ]; then
	fail $case "port add was to be killed, exited $rc"
elif [ -z "$out" ] || ! converged "$TMPD/A.json"; then
	fail $case "port add again ($out): ${WHY:-}"
else
	ok $case
fi

# ---- addresses: apply with addresses, port add --ip ----
# Aip: A with addresses on every 4th port (one IPv4, one IPv6 /64 each);
# Bip: every 8th of those with other addresses, every 12th without any,
# and t2 gains some. Killed applies and port adds must leave a state that
# is consistent and converges, with no address left in the tries that no
# port's record holds (status lists those as repairs).
addr_doc() { # FILE IN OUT VARIANT
	jq --arg v "$2" '.ports |= [.[] | (.tap | ltrimstr("t") | tonumber) as $i |
		if $v == "A" and $i % 4 == 0 then
			. + {addresses: ["10.1.\($i / 256 | floor).\($i % 256)",
				"2001:db8:1\($i)::/64"]}
		elif $v == "B" and $i % 12 == 0 then .
		elif $v == "B" and $i % 8 == 0 then
			. + {addresses: ["10.2.\($i / 256 | floor).\($i % 256)"]}
		elif $v == "B" and ($i % 4 == 0 or $i == 2) then
			. + {addresses: ["10.1.\($i / 256 | floor).\($i % 256)",
				"2001:db8:1\($i)::/64"]}
		else . end]' "$1"
}
addr_doc "$TMPD/A.json" A >"$TMPD/Aip.json" || die "cannot make Aip"
addr_doc "$TMPD/A.json" B >"$TMPD/Bip.json" || die "cannot make Bip"
apply_clean "$TMPD/A.json" || die "back to A: $WHY"
wAip=$(writes apply "$TMPD/Aip.json") || die "apply Aip: $(cat "$TMPD/crash.err")"
converged "$TMPD/Aip.json" || die "apply Aip: $WHY"
wAB2=$(writes apply "$TMPD/Bip.json") || die "apply Bip: $(cat "$TMPD/crash.err")"
converged "$TMPD/Bip.json" || die "apply Bip: $WHY"
wBA2=$(writes apply "$TMPD/A.json") || die "apply A: $(cat "$TMPD/crash.err")"
log "writes: A->Aip $wAip, Aip->Bip $wAB2, Bip->A $wBA2"
for spec in "A Aip $wAip" "Aip Bip $wAB2" "Bip A $wBA2"; do
	set -- $spec
	from=$1 to=$2 total=$3 bad=0 n=0
	for ((r = 0; r < 4; r++)); do
		after=$(((total * r) / 4 + 1 + r % 3))
		[ "$after" -lt "$total" ] || continue
		kill_round "kill-apply-$from-$to-$after" "$from" "$to" "$after" || bad=$((bad + 1))
		n=$((n + 1))
	done
	[ $bad = 0 ] && ok "kill-apply-addresses-$from-to-$to ($n kill points of $total writes)"
done

# port add --ip: a new port with addresses, and new addresses for it.
jq 'del(.ports[] | select(.tap == "t5"))' "$TMPD/Aip.json" >"$TMPD/Aip-no5.json"
jq '(.ports[] | select(.tap == "t5")) |= . + {addresses: ["10.5.0.5", "2001:db8:5::/64"]}' \
	"$TMPD/Aip.json" >"$TMPD/Aip5.json"
jq '(.ports[] | select(.tap == "t5")) |= . + {addresses: ["10.5.0.6/31", "2001:db8:55::1"]}' \
	"$TMPD/Aip.json" >"$TMPD/Aip5b.json"
for kind in new readdress; do
	if [ $kind = new ]; then
		from=Aip-no5 to=Aip5 ips=(--ip 10.5.0.5 --ip 2001:db8:5::/64)
	else
		from=Aip5 to=Aip5b ips=(--ip 10.5.0.6/31 --ip 2001:db8:55::1)
	fi
	args=(port add t5 --mac "$t5mac" ${t5vlan:+--vlan $t5vlan} "${ips[@]}")
	apply_clean "$TMPD/$from.json" || die "setting up $from: $WHY"
	total=$(writes "${args[@]}") || die "port add --ip ($kind): $(cat "$TMPD/crash.err")"
	converged "$TMPD/$to.json" || die "port add --ip ($kind): $WHY"
	bad=0
	for ((after = 0; after < total; after++)); do
		apply_clean "$TMPD/$from.json" || { fail "kill-port-add-ip-$kind-$after" "reset: $WHY"; bad=1; continue; }
		crash_run "$after" "${args[@]}"
		rc=$?
		if [ $rc -eq 0 ] && early_ok "$to"; then
			continue
		elif [ $rc -ne 137 ]; then
			fail "kill-port-add-ip-$kind-$after" "port add was to be killed, exited $rc"
			bad=1
		elif ! consistent; then
			fail "kill-port-add-ip-$kind-$after" "$WHY"
			bad=1
		elif ! apply_clean "$TMPD/$to.json"; then
			fail "kill-port-add-ip-$kind-$after" "then apply: $WHY"
			bad=1
		fi
	done
	[ $bad = 0 ] && ok "kill-port-add-ip-$kind ($total kill points)"
done

# The checker sees an address no port's record holds, and apply removes
# it (a port given that index later would otherwise inherit it).
case=checker-finds-stale-address
apply_clean "$TMPD/Aip.json" || die "back to Aip: $WHY"
used=$(vms --json port list | jq -r '.[].index')
free=$(comm -13 <(sort <<<"$used") <(seq 1 255 | sort) | head -n1)
le32() { printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
bpftool map update pinned "$PIN/vmst_addr4" key $(le32 64) $(le32 "$free") 10 99 0 1 \
	value 1 0 0 0 || die "cannot write a stale address"
st=$(vms --json status)
out=$(vms apply "$TMPD/Aip.json" 2>&1)
if ! jq -e --arg i "$free" '.repairs | any(test("address 10.99.0.1 of free port index " + $i + " "))' <<<"$st" >/dev/null; then
	fail $case "stale 10.99.0.1 at index $free not reported: $(jq -c .repairs <<<"$st")"
elif ! converged "$TMPD/Aip.json"; then
	fail $case "apply did not remove it ($out): $WHY"
elif bpftool map lookup pinned "$PIN/vmst_addr4" key $(le32 64) $(le32 "$free") 10 99 0 1 >/dev/null 2>&1; then
	fail $case "the stale address is still in vmst_addr4"
else
	ok $case
fi
apply_clean "$TMPD/A.json" || die "back to A: $WHY"

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
tx=$(bpftool -j map lookup pinned "$PIN/vmst_tx" key $idx 0 0 0 2>/dev/null | jq -r '.value | .[0:4] | map(ltrimstr("0x")) | reverse | join("")')
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
bpftool map delete pinned "$PIN/vmst_tx" key $idx 0 0 0 2>/dev/null
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
le32() { printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
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
