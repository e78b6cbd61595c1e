#!/usr/bin/env bash
# Layout version: a pinned state stamped with another layout version (as an
# older or newer vmsteer would leave it) is refused with a clear error by
# every command that would write it, and nothing changes: no program on the
# uplink, no port, no map entry.
. "$(dirname "$0")/lib.sh"
lib_init layout

topo_create
tap_create vmt1
vms port add vmt1 --mac "$MAC_VM1" >/dev/null || die "port add vmt1 failed"
vms detach up0 >/dev/null 2>&1 # not attached: only the maps exist

CFG=$PIN/vmst_config
# config_bytes: vmst_config's one entry, as hex bytes on one line.
config_bytes() {
	bpftool -j map lookup pinned "$CFG" key 0 0 0 0 | jq -r '.value | join(" ")'
}
orig=$(config_bytes) || die "cannot read $CFG"
[ -n "$orig" ] || die "cannot read $CFG"
# layout_version is the first (little-endian) 32-bit word: make it 99.
other="0x63 0x00 0x00 0x00 ${orig#* * * * }"
# shellcheck disable=SC2086
bpftool map update pinned "$CFG" key 0 0 0 0 value $other ||
	die "cannot rewrite layout_version"

snapshot() {
	echo "xdp: $(xdp_prog_id up0)"
	echo "links: $(ls "$PIN/links" 2>/dev/null | tr '\n' ' ')"
	echo "config: $(config_bytes)"
	map_sums vmst_ports vmst_port_cfg vmst_fdb vmst_tx vmst_uplinks
}

# refused CASE CLI-ARGS...: fails, names the layout, changes nothing.
refused() {
	local case=$1 before after rc
	shift
	before=$(snapshot)
	vms "$@" >"$TMPD/out" 2>"$TMPD/err"
	rc=$?
	after=$(snapshot)
	if [ $rc -eq 0 ]; then
		fail "$case" "'vmsteer $*' succeeded on a state of layout 99"
	elif ! cat "$TMPD/out" "$TMPD/err" | grep -q 'layout version 99.*uses layout [0-9]'; then
		fail "$case" "'vmsteer $*': unclear error: $(cat "$TMPD/out" "$TMPD/err")"
	elif [ "$after" != "$before" ]; then
		fail "$case" "'vmsteer $*' changed the state: $before -> $after"
	else
		ok "$case"
	fi
}

refused layout-attach-refused attach up0
refused layout-port-add-refused port add vmt1 --mac 02:00:00:00:01:99
refused layout-port-del-refused port del vmt1
refused layout-status-refused status
refused layout-json-error --json attach up0
case=layout-json-error-is-json
vms --json attach up0 >"$TMPD/out" 2>/dev/null
if jq -e '.error | test("layout version 99")' "$TMPD/out" >/dev/null 2>&1; then
	ok $case
else
	fail $case "no JSON error object: $(cat "$TMPD/out")"
fi

# Put the right version back: the state works again.
case=layout-restored
# shellcheck disable=SC2086
bpftool map update pinned "$CFG" key 0 0 0 0 value $orig
if ! out=$(vms attach up0 2>&1); then
	fail $case "attach after restoring the layout failed: $out"
elif [ "$(xdp_prog_id up0)" = none ]; then
	fail $case "no program on up0 after attach"
else
	ok $case
fi

lib_done
