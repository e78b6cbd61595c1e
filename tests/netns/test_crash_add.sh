#!/usr/bin/env bash
# vmsteer-test: parallel 31
# Crash safety of `port add` (test_crash.sh: of apply): vmsteer killed
# (SIGKILL) in the middle of `port add` of a new port, of a port moving to
# another MAC and VLAN, and of `port add --ip`, and in the middle of
# applies that add, change and remove ports' addresses, never leaves an
# inconsistent state (`status`: .inconsistencies), and the next apply (or
# the same `port add` again) converges, with no address left in the tries
# that no port's record holds. Kill points: tests/netns/crash_lib.sh.
. "$(dirname "$0")/lib.sh"
lib_init crashadd
. "$LIB_DIR/crash_lib.sh"

apply_clean "$TMPD/A.json" || die "apply A: $WHY"
# ---- port add: a new port, and an existing port moving to another MAC,
# killed before its writes ----
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
	writes "port-add-$kind" "${args[@]}" >/dev/null || die "port add ($kind): $(cat "$TMPD/crash.err")"
	kill_points "kill-port-add-$kind" "port-add-$kind" "$from" "$to" "${args[@]}"
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
wAip=$(writes A-Aip apply "$TMPD/Aip.json") || die "apply Aip: $(cat "$TMPD/crash.err")"
converged "$TMPD/Aip.json" || die "apply Aip: $WHY"
wAB2=$(writes Aip-Bip apply "$TMPD/Bip.json") || die "apply Bip: $(cat "$TMPD/crash.err")"
converged "$TMPD/Bip.json" || die "apply Bip: $WHY"
wBA2=$(writes Bip-A apply "$TMPD/A.json") || die "apply A: $(cat "$TMPD/crash.err")"
log "writes: A->Aip $wAip, Aip->Bip $wAB2, Bip->A $wBA2"
for t in A-Aip Aip-Bip Bip-A; do
	kill_points "kill-apply-addresses-${t/-/-to-}" "$t" "${t%-*}" "${t#*-}"
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
	writes "port-add-ip-$kind" "${args[@]}" >/dev/null || die "port add --ip ($kind): $(cat "$TMPD/crash.err")"
	converged "$TMPD/$to.json" || die "port add --ip ($kind): $WHY"
	kill_points "kill-port-add-ip-$kind" "port-add-ip-$kind" "$from" "$to" "${args[@]}"
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

lib_done
