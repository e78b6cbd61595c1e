#!/usr/bin/env bash
# The libvirt qemu hook (scripts/libvirt/qemu-hook), run by hand as
# libvirtd runs it: arguments DOMAIN OPERATION SUB-OPERATION, the domain
# XML on standard input.
# - start begin: the managed interfaces (on a selected bridge, or with
#   metadata manage='yes') become ports with their settings from the XML
#   (tap, MAC, VLAN tag, VLAN trunk, queues, nwfilter IP/IPV6) and the
#   vmsteer metadata (trusted, extra address, RSS table), tap programs
#   attached; an interface on another bridge or with manage='no' does not;
# - a restart on new taps: the MACs move, no conflict;
# - release end (XML without taps): the ports are deleted by MAC and VLAN;
# - other operations change nothing; bad settings (a VLAN trunk) and a
#   broken XML are logged, the hook still exits 0 (a VM must start), and
#   the other interfaces are taken (a trunk with a native VLAN).
. "$(dirname "$0")/lib.sh"
lib_init hook

HOOK=$ROOT/scripts/libvirt/qemu-hook
export VMSTEER VMSTEER_PIN_PATH=$PIN VMSTEER_AGENT_CONFIG=$TMPD/agent.json
cat >"$VMSTEER_AGENT_CONFIG" <<EOF
{"bridges": ["br0"], "macs": ["52:54:00:00:0a:01"]}
EOF

topo_create
ip -n "$NS_HYP" link add br0 type bridge || die "cannot create br0"
ip -n "$NS_HYP" link add br1 type bridge || die "cannot create br1"
for t in vnet7 vnet8 vnet9 vnet10 vnet11 vnet12; do tap_create $t; done
ip -n "$NS_HYP" link set vnet7 master br0
ip -n "$NS_HYP" link set vnet8 master br1
ip -n "$NS_HYP" link set vnet10 master br0
ip -n "$NS_HYP" link set vnet11 master br0
ip -n "$NS_HYP" link set vnet12 master br0

# domain_xml TAP7 TAP9 [TAP10 TAP11]: the test domain with those taps ("" no
# <target>: what libvirt passes at release end).
domain_xml() {
	local t7=${1:+<target dev=\'$1\'/>} t9=${2:+<target dev=\'$2\'/>}
	local t10=${3:+<target dev=\'$3\'/>} t11=${4:+<target dev=\'$4\'/>}
	cat <<EOF
<domain type='qemu'>
  <name>hooked</name>
  <uuid>6f1c0a5e-4d55-4f0e-9d1b-0c7b5f0e7a01</uuid>
  <metadata>
    <vmsteer:domain xmlns:vmsteer='urn:vmsteer:domain:1'>
      <vmsteer:interface mac='52:54:00:00:07:01' trusted='yes'>
        <vmsteer:address>198.51.100.0/28</vmsteer:address>
        <vmsteer:rss table='1,0,1,0' types='ipv4,tcpv4'/>
      </vmsteer:interface>
      <interface mac='52:54:00:00:09:01' manage='yes'/> <!-- no prefix: what virsh metadata writes -->
      <vmsteer:interface mac='52:54:00:00:0b:01' manage='no'/>
    </vmsteer:domain>
  </metadata>
  <devices>
    <interface type='bridge'>
      <mac address='52:54:00:00:07:01'/>
      <source bridge='br0'/>
      $t7
      <model type='virtio'/>
      <driver name='vhost' queues='2'/>
      <vlan><tag id='42'/></vlan>
      <filterref filter='clean-traffic'>
        <parameter name='IP' value='192.0.2.7'/>
        <parameter name='IPV6' value='2001:db8::7'/>
      </filterref>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:00:08:01'/>
      <source bridge='br1'/>
      ${t7:+<target dev='vnet8'/>}
      <model type='virtio'/>
    </interface>
    <interface type='ethernet'>
      <mac address='52:54:00:00:09:01'/>
      $t9
      <model type='virtio'/>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:00:0a:01'/>
      <source bridge='br0'/>
      $t10
      <vlan trunk='yes'><tag id='5'/><tag id='6'/></vlan>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:00:0b:01'/>
      <source bridge='br0'/>
      $t11
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:00:0c:01'/>
      <source bridge='br0'/>
      ${t10:+<target dev='vnet12'/>}
      <vlan trunk='yes'><tag id='7' nativeMode='untagged'/><tag id='8'/></vlan>
    </interface>
  </devices>
</domain>
EOF
}
hook() { domain_xml "${@:4}" | in_hyp "$HOOK" "$1" "$2" "$3"; }
port_json() { vms --json port list | jq -c --arg t "$1" '[.[] | select(.tap == $t)] | first'; }
ports() { vms --json port list | jq -r '[.[].tap] | sort | join(",")'; }

case=prepare-changes-nothing
hook hooked prepare begin vnet7 vnet9 >/dev/null 2>&1
if [ ! -e "$PIN" ] || [ -z "$(ports)" ]; then ok $case; else fail $case "ports: $(ports)"; fi

case=start-begin-adds-ports
err=$(hook hooked start begin vnet7 vnet9 vnet10 vnet11 2>&1 >/dev/null)
rc=$?
p7=$(port_json vnet7)
if [ $rc -ne 0 ]; then
	fail $case "hook exit status $rc: $err"
elif [ "$(ports)" != vnet10,vnet7,vnet9 ]; then
	fail $case "ports $(ports), want vnet10,vnet7,vnet9; $err"
elif [ "$(jq -c '[.mac, .vlan, .trusted, .queues, .tc, .state]' <<<"$p7")" != \
	'["52:54:00:00:07:01",42,true,2,true,"ok"]' ]; then
	fail $case "vnet7: $p7"
elif [ "$(jq -c '.addresses | sort' <<<"$p7")" != '["192.0.2.7","198.51.100.0/28","2001:db8::7"]' ]; then
	fail $case "vnet7 addresses: $(jq -c .addresses <<<"$p7")"
elif [ "$(jq -c '[.rss.types, .rss.table]' <<<"$p7")" != '[["ipv4","tcpv4"],[1,0,1,0]]' ]; then
	fail $case "vnet7 RSS: $(jq -c .rss <<<"$p7")"
elif [ "$(jq -c '[.vlan, .queues, .addresses, .trusted]' <<<"$(port_json vnet9)")" != '[null,null,[],false]' ]; then
	fail $case "vnet9: $(port_json vnet9)"
elif [ "$(jq -c '[.vlan, .trunk]' <<<"$(port_json vnet10)")" != '[null,"5-6"]' ]; then
	fail $case "vnet10 (trunk): $(port_json vnet10)"
else
	ok $case
fi

case=bad-interface-logged
if [[ $err == *"52:54:00:00:0c:01: VLAN tag 7 nativeMode"* ]] &&
	[[ $err == *"vmsteer hook (hooked, start begin)"* ]]; then
	ok $case
else
	fail $case "hook output: $err"
fi

# The domain restarts: libvirt names its taps anew.
case=restart-new-taps
hook hooked release end >/dev/null 2>&1 # as libvirt: its end first
hook hooked start begin vnet10 vnet11 >"$TMPD/out" 2>&1
if [ "$(ports)" != vnet10,vnet11 ] ||
	[ "$(port_json vnet10 | jq -r .mac)" != 52:54:00:00:07:01 ]; then
	fail $case "ports $(ports): $(cat "$TMPD/out")"
else
	ok $case
fi

# Without the release: the old ports' taps went (VM crashed, libvirtd
# gone), the next start moves the MACs all the same.
case=start-over-vanished-taps
ip -n "$NS_HYP" link del vnet10
ip -n "$NS_HYP" link del vnet11
hook hooked start begin vnet7 vnet9 >"$TMPD/out" 2>&1
if [ "$(ports)" = vnet7,vnet9 ] && [ "$(port_json vnet7 | jq -r .state)" = ok ]; then
	ok $case
else
	fail $case "ports $(ports): $(cat "$TMPD/out")"
fi

case=release-end-deletes-by-mac
hook hooked release end >"$TMPD/out" 2>&1
if [ -z "$(ports)" ] && ! tc -n "$NS_HYP" filter show dev vnet7 ingress | grep -q bpf; then
	ok $case
else
	fail $case "ports left: $(ports); tc on vnet7: $(tc -n "$NS_HYP" filter show dev vnet7 ingress)"
fi

case=broken-xml-exit-0
out=$(echo '<domain><devices>' | in_hyp "$HOOK" hooked start begin 2>&1)
rc=$?
if [ $rc -eq 0 ] && [[ $out == *"not well-formed"* ]]; then
	ok $case
else
	fail $case "status $rc: $out"
fi

lib_done
