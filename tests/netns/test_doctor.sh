#!/usr/bin/env bash
# vmsteer doctor: each check this namespace can provoke, both ways, read
# from `doctor --json` (check, object, level): br_netfilter on and off, a
# tap MTU that differs from the uplink's and one that does not, a port
# whose tap program is gone (and `attach` putting it back), a generic-mode
# uplink and a native one, a tap whose root qdisc shapes (bypassed) and
# one without, a tap with a libvirt nwfilter binding (in a private mount
# namespace) and without; `port add` refusing the last two without
# --force. The exit status is 3 exactly when a finding is
# warn or fail, and the plain output says the same as the JSON.
. "$(dirname "$0")/lib.sh"
lib_init doctor

topo_create
tap_create vmtdr1
vms attach up0 --mode generic >/dev/null || die "attach"
vms port add vmtdr1 --mac "$MAC_VM1" >/dev/null || die "port add"

. "$(dirname "$0")/doctor_lib.sh"
doctor() { vms --json doctor >"$DOC"; echo $? >"$DOC.rc"; }
brnf() { in_hyp sh -c "for f in /proc/sys/net/bridge/bridge-nf-call-*; do echo $1 > \$f; done"; }

if in_hyp test -e /proc/sys/net/bridge/bridge-nf-call-iptables; then
	brnf 1; doctor
	expect_level doctor-br-netfilter-on br_netfilter "" warn
	brnf 0; doctor
	expect_level doctor-br-netfilter-off br_netfilter "" ok
else
	skip doctor-br-netfilter "br_netfilter not loaded"
fi

in_hyp ip link set vmtdr1 mtu 9000
doctor
expect_level doctor-mtu-mismatch mtu vmtdr1 warn
in_hyp ip link set vmtdr1 mtu 1500
doctor
expect_level doctor-mtu-same mtu vmtdr1 ok

# The tap's qdisc binds it to the state's shared tc block: without it the
# tap has no tap program (the other taps keep the block's filter).
in_hyp tc qdisc del dev vmtdr1 clsact || die "cannot remove the tap program"
doctor
expect_level doctor-tap-program-missing tap_program vmtdr1 fail
if [ "$(level status vmtdr1)" = fail ]; then ok doctor-status-attention; else fail doctor-status-attention "status finding: $(level status vmtdr1)"; fi
vms attach up0 --mode generic >/dev/null || die "re-attach"
doctor
expect_level doctor-tap-program-back tap_program vmtdr1 ok

expect_level doctor-generic-uplink xdp_mode up0 warn
# GRO: off (topo_create turns it off), then on with generic XDP.
expect_level doctor-gro-off gro up0 ok
in_hyp ethtool -K up0 gro on >/dev/null 2>&1 || die "gro on"
doctor
expect_level doctor-gro-generic gro up0 info
in_hyp ethtool -K up0 gro off >/dev/null 2>&1 || die "gro off"
vms detach up0 >/dev/null || die "detach"
if vms attach up0 --mode native >/dev/null 2>&1; then
	doctor
	expect_level doctor-native-uplink xdp_mode up0 ok
	# veth has native XDP: the kernel says so (6.3 and later report
	# xdp_features; 6.1 has no netdev family).
	kv=$(uname -r | awk -F. '{ print $1 * 100 + $2 }')
	if [ "$kv" -lt 603 ] && [ "$(level xdp_features up0)" = info ] &&
		[[ $(message xdp_features up0) == *"does not report"* ]]; then
		skip doctor-xdp-features "this kernel does not report xdp_features"
	else
		expect_level doctor-xdp-features xdp_features up0 ok
	fi
else
	skip doctor-native-uplink "veth refused native XDP here"
	vms attach up0 --mode generic >/dev/null || die "re-attach"
fi

in_hyp tc qdisc replace dev vmtdr1 root tbf rate 1mbit burst 32kbit latency 400ms || die "tbf"
doctor
expect_level doctor-shaping-qdisc tap_qdisc vmtdr1 fail
in_hyp tc qdisc del dev vmtdr1 root || die "tbf del"
doctor
expect_level doctor-default-qdisc tap_qdisc vmtdr1 ok

# A libvirt nwfilter binding of the tap, in a private /run.
in_hyp unshare -m sh -c 'mount -t tmpfs vmst-doctor /run &&
	mkdir -p /run/libvirt/nwfilter-binding &&
	echo "<filterbinding/>" >/run/libvirt/nwfilter-binding/vmtdr1.xml &&
	"$0" --json --pin-path "$1" doctor' "$VMSTEER" "$PIN" >"$DOC"
expect_level doctor-nwfilter-binding nwfilter vmtdr1 fail
doctor
expect_level doctor-no-nwfilter-binding tap_qdisc vmtdr1 ok

# port add: a tap whose root qdisc shapes, or with an nwfilter binding,
# is refused (nothing added) unless --force, which warns.
tap_create vmtdr2
in_hyp tc qdisc replace dev vmtdr2 root tbf rate 1mbit burst 32kbit latency 400ms || die "tbf"
case=port-add-refuses-shaped-tap
out=$(vms port add vmtdr2 --mac "$MAC_VM2" 2>&1); rc=$?
if [ $rc = 1 ] && [[ $out == *"port vmtdr2: root qdisc tbf"*"--force"* ]] &&
	[ "$(vms --json port list | jq '[.[] | select(.tap == "vmtdr2")] | length')" = 0 ]; then
	ok $case
else
	fail $case "rc $rc: $out"
fi
case=port-add-force-shaped-tap
out=$(vms port add vmtdr2 --mac "$MAC_VM2" --force 2>&1); rc=$?
if [ $rc = 0 ] && [[ $out == *"warning"*"root qdisc tbf"* || $out == *"root qdisc tbf"*"--force"* ]] &&
	[ "$(vms --json port list | jq '[.[] | select(.tap == "vmtdr2")] | length')" = 1 ]; then
	ok $case
else
	fail $case "rc $rc: $out"
fi
vms port del vmtdr2 >/dev/null || die "port del vmtdr2"
in_hyp tc qdisc del dev vmtdr2 root || die "tbf del"
case=port-add-refuses-nwfilter-tap
out=$(in_hyp unshare -m sh -c 'mount -t tmpfs vmst-doctor /run &&
	mkdir -p /run/libvirt/nwfilter-binding &&
	echo "<filterbinding/>" >/run/libvirt/nwfilter-binding/vmtdr2.xml &&
	"$0" --pin-path "$1" port add vmtdr2 --mac "$2"' "$VMSTEER" "$PIN" "$MAC_VM2" 2>&1); rc=$?
if [ $rc = 1 ] && [[ $out == *"nwfilter binding"* ]] &&
	[ "$(vms --json port list | jq '[.[] | select(.tap == "vmtdr2")] | length')" = 0 ]; then
	ok $case
else
	fail $case "rc $rc: $out"
fi
in_hyp ip link del vmtdr2

case=doctor-exit-status
doctor
rc=$(cat "$DOC.rc")
bad=$(jq '[.findings[] | select(.level == "warn" or .level == "fail")] | length' "$DOC")
plain=$(vms doctor | awk '{ print $1 }' | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
json=$(jq -r '.findings[].level' "$DOC" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
if { [ "$bad" -gt 0 ] && [ "$rc" = 3 ]; } || { [ "$bad" = 0 ] && [ "$rc" = 0 ]; }; then
	if [ "$plain" = "$json" ]; then ok $case; else fail $case "plain '$plain', JSON '$json'"; fi
else
	fail $case "exit $rc with $bad warn/fail findings"
fi

lib_done
