#!/usr/bin/env bash
# apply and dump with the transmit-path fields: "addresses" and "trusted"
# on ports reach the data path (tap program attached, addresses checked),
# dump prints them back (a round trip changes nothing), an address can move
# between two ports of one VLAN in one document, and a document with
# overlapping addresses on one VLAN is refused naming the JSON path, with
# nothing changed.
. "$(dirname "$0")/lib.sh"
lib_init txapply

topo_create
tap_create vmt1
tap_create vmt2

cat >"$TMPD/a.json" <<JSON
{"uplinks": [{"device": "up0"}],
 "ports": [{"tap": "vmt1", "mac": "$MAC_VM1",
            "addresses": ["10.0.0.1", "2001:db8:1::/64"], "trusted": true},
           {"tap": "vmt2", "mac": "$MAC_VM2", "vlan": 100,
            "addresses": ["10.0.0.2"]}]}
JSON
vms apply "$TMPD/a.json" >/dev/null || die "apply a.json failed: $(vms apply "$TMPD/a.json" 2>&1)"

case=apply-sets-addresses-and-trust
got=$(vms --json port list | jq -c '[.[] | {tap, addresses, trusted, tc}] | sort_by(.tap)')
want='[{"tap":"vmt1","addresses":["10.0.0.1","2001:db8:1::/64"],"trusted":true,"tc":true},{"tap":"vmt2","addresses":["10.0.0.2"],"trusted":false,"tc":true}]'
if [ "$got" = "$want" ]; then ok $case; else fail $case "port list: $got"; fi

case=dump-round-trip
vms dump >"$TMPD/dump.json" || die "dump failed"
out=$(vms --json apply --dry-run "$TMPD/dump.json")
if [ "$(jq -c '.changes | length' <<<"$out")" = 0 ] &&
	[ "$(jq -c '[.ports[] | {tap, addresses, trusted}]' "$TMPD/dump.json")" = \
		'[{"tap":"vmt1","addresses":["10.0.0.1","2001:db8:1::/64"],"trusted":true},{"tap":"vmt2","addresses":["10.0.0.2"],"trusted":null}]' ]; then
	ok $case
else
	fail $case "dump: $(jq -c . "$TMPD/dump.json"); dry run: $out"
fi

# The same VLAN now, and 10.0.0.1 moves from vmt1 to vmt2 in one document.
cat >"$TMPD/b.json" <<JSON
{"uplinks": [{"device": "up0"}],
 "ports": [{"tap": "vmt1", "mac": "$MAC_VM1", "addresses": ["10.0.0.11"]},
           {"tap": "vmt2", "mac": "$MAC_VM2", "addresses": ["10.0.0.1"]}]}
JSON
case=apply-moves-address-between-ports
if out=$(vms apply "$TMPD/b.json" 2>&1); then
	got=$(vms --json port list | jq -c '[.[] | {tap, addresses, trusted}] | sort_by(.tap)')
	want='[{"tap":"vmt1","addresses":["10.0.0.11"],"trusted":false},{"tap":"vmt2","addresses":["10.0.0.1"],"trusted":false}]'
	if [ "$got" = "$want" ]; then ok $case; else fail $case "port list: $got"; fi
else
	fail $case "apply: $out"
fi

cat >"$TMPD/c.json" <<JSON
{"uplinks": [{"device": "up0"}],
 "ports": [{"tap": "vmt1", "mac": "$MAC_VM1", "addresses": ["10.0.0.0/24"]},
           {"tap": "vmt2", "mac": "$MAC_VM2", "addresses": ["10.0.0.1"]}]}
JSON
case=apply-refuses-overlap-changes-nothing
before=$(vms --json port list)
if out=$(vms apply "$TMPD/c.json" 2>&1); then
	fail $case "apply succeeded: $out"
elif ! grep -q 'ports\[1\].addresses\[0\]' <<<"$out"; then
	fail $case "the error does not name the JSON path: $out"
elif [ "$(vms --json port list)" != "$before" ]; then
	fail $case "the ports changed"
else
	ok $case
fi

# The port leaves the document: its tap program goes with it.
cat >"$TMPD/d.json" <<JSON
{"uplinks": [{"device": "up0"}],
 "ports": [{"tap": "vmt2", "mac": "$MAC_VM2", "addresses": ["10.0.0.1"]}]}
JSON
case=apply-removes-tap-program
vms apply "$TMPD/d.json" >/dev/null || die "apply d.json failed"
if in_hyp tc filter show dev vmt1 ingress | grep -q vmst_tap; then
	fail $case "vmt1 still has the tap program"
elif ! in_hyp tc filter show dev vmt2 ingress | grep -q vmst_tap; then
	fail $case "vmt2 lost its tap program"
else
	ok $case
fi

lib_done
