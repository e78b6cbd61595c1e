#!/usr/bin/env bash
# The Debian package's maintainer scripts, run as dpkg runs them, in a
# network namespace with this test's pin path:
# - postinst on upgrade (configure OLD-VERSION) re-attaches every uplink in
#   place: an uplink running another build's program is upgraded through
#   its pinned link (same link id, new program), ports and tap programs
#   stay; a state this build cannot read is left running, with a warning,
#   and the upgrade does not fail; a first installation touches nothing;
# - postrm remove leaves the fast path running; postrm purge removes it,
#   all of it gone when postrm returns: the uplink's XDP program (which
#   the kernel takes off after the link's pin is gone, asynchronously),
#   the taps' XDP programs, every vmsteer tc filter (on a tap's own
#   clsact qdisc, and the taps bound to the state's shared tc block), the
#   pinned state, and nothing else (a tc filter of someone else stays).
# The package itself (contents, Depends, conffiles, lintian, dpkg -i) is
# checked by scripts/ci-deb.sh in CI.
. "$(dirname "$0")/lib.sh"
lib_init deb

# Another build's uplink program: a variant with one dead instruction, as
# tests/netns/test_upgrade.sh takes them.
[ -e "$BUILD/tests/variants/uplink-1.bpf.o" ] || command -v "${CLANG:-clang}" >/dev/null ||
	{ skip deb "clang not installed"; exit 0; }
build_variant uplink 1 "$TMPD/uplink1.o"

topo_create
tap_create vmtd1
tap_create vmtd2
# Someone else's qdisc and tc filter on vmtd1 (vmsteer's filter joins
# them), which purge must leave; vmtd2 gets vmsteer's shared block.
in_hyp tc qdisc add dev vmtd1 clsact || die "clsact on vmtd1"
in_hyp tc filter add dev vmtd1 ingress pref 100 protocol ip u32 match u32 0 0 flowid 1:1 || die "foreign filter"
# The maintainer scripts find vmsteer on PATH, as in /usr/sbin.
maint() { # SCRIPT ARGS...
	local s=$1
	shift
	in_hyp env PATH="$(dirname "$VMSTEER"):$PATH" VMSTEER_PIN_PATH="$PIN" \
		sh "$ROOT/debian/$s" "$@"
}
link_id() { vms --json status | jq -r '[.uplinks[] | select(.device == "up0") | .link_id] | first // "none"'; }

VMSTEER_TEST_UPLINK_OBJ=$TMPD/uplink1.o vms_hooks attach up0 --mode generic >/dev/null || die "attach (old build)"
vms port add vmtd1 --mac "$MAC_VM1" --ip 10.0.0.1 >/dev/null || die "port add"
vms port add vmtd2 --mac "$MAC_VM2" >/dev/null || die "port add vmtd2"
link0=$(link_id)
prog0=$(xdp_prog_id up0)
ports0=$(vms --json port list | jq -c 'map(del(.index))')

case=postinst-install-touches-nothing
out=$(maint postinst configure 2>&1); rc=$?
if [ $rc = 0 ] && [ -z "$out" ] && [ "$(xdp_prog_id up0)" = "$prog0" ]; then
	ok $case
else
	fail $case "rc $rc, output '$out', program $prog0 -> $(xdp_prog_id up0)"
fi

case=postinst-upgrade-reattaches-in-place
out=$(maint postinst configure 0.0.1 2>&1); rc=$?
prog1=$(xdp_prog_id up0)
if [ $rc = 0 ] && [[ $out == *"up0: upgraded"* ]] && [ "$(link_id)" = "$link0" ] &&
	[ "$prog1" != "$prog0" ] && [ "$prog1" != none ] &&
	[ "$(vms --json port list | jq -c 'map(del(.index))')" = "$ports0" ] &&
	vms --json status | jq -e '.tc_missing == 0' >/dev/null; then
	ok $case
else
	fail $case "rc $rc, output '$out', link $link0 -> $(link_id), program $prog0 -> $prog1"
fi

case=postinst-upgrade-again-changes-nothing
out=$(maint postinst configure 0.1.0 2>&1); rc=$?
if [ $rc = 0 ] && [[ $out == *"up0: already attached"* ]] && [ "$(xdp_prog_id up0)" = "$prog1" ]; then
	ok $case
else
	fail $case "rc $rc, output '$out'"
fi

# A state of another layout (stamped as test_layout.sh does): this build
# refuses it; the upgrade goes on and the old fast path keeps running.
case=postinst-upgrade-other-layout
CFG=$PIN/vmst_config
orig=$(bpftool -j map lookup pinned "$CFG" key 0 0 0 0 | jq -r '.value | join(" ")')
[ -n "$orig" ] || die "cannot read $CFG"
# shellcheck disable=SC2086
bpftool map update pinned "$CFG" key 0 0 0 0 value 0x63 0x00 0x00 0x00 ${orig#* * * * } ||
	die "cannot rewrite layout_version"
out=$(maint postinst configure 0.0.1 2>&1); rc=$?
# shellcheck disable=SC2086
bpftool map update pinned "$CFG" key 0 0 0 0 value $orig || die "cannot restore layout_version"
if [ $rc = 0 ] && [[ $out == *"left as it is"*layout* ]] && [ "$(xdp_prog_id up0)" = "$prog1" ]; then
	ok $case
else
	fail $case "rc $rc, output '$out'"
fi

case=postrm-remove-keeps-fast-path
out=$(maint postrm remove 2>&1); rc=$?
if [ $rc = 0 ] && [ "$(xdp_prog_id up0)" = "$prog1" ] && [ -d "$PIN" ] &&
	[ "$(xdp_prog_id vmtd1)" != none ] && [ "$(xdp_prog_id vmtd2)" != none ] &&
	in_hyp tc filter show dev vmtd1 ingress | grep -q 'handle 0x766d vmst_' &&
	in_hyp tc filter show dev vmtd2 ingress | grep -q 'handle 0x766d vmst_'; then
	ok $case
else
	fail $case "rc $rc, output '$out'"
fi

case=postrm-purge-removes-fast-path
out=$(maint postrm purge 2>&1); rc=$?
left=
for d in up0 vmtd1 vmtd2; do
	[ "$(xdp_prog_id $d)" = none ] || left+="XDP on $d; "
done
for d in up0 vmtd1 vmtd2; do
	in_hyp tc filter show dev $d ingress | grep -q 'vmst_' && left+="tc filter on $d; "
done
[ -e "$PIN" ] && left+="$PIN; "
in_hyp tc filter show dev vmtd1 ingress | grep -q "pref 100 u32" || left+="(the foreign filter is gone); "
if [ $rc = 0 ] && [ -z "$left" ]; then
	ok $case
else
	fail $case "rc $rc, output '$out', left: $left"
fi

lib_done
