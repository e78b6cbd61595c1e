#!/bin/sh
# /init of the vmsteer test guest (scripts/guest/build-vm.sh). Busybox only.
#
# Every NIC gets the IPv4 address its MAC names: 52:54:00:00:AA:BB ->
# 10.AA.0.BB/24 (AA and BB in decimal), hot-plugged NICs too (polled).
# Services: UDP and TCP echo on port 7 (vmecho), ACPI power button ->
# poweroff. Markers on ttyS0 (the test waits for them): READY, UP ethN MAC
# ADDR, GONE ethN, POWEROFF, and for commands DONE ID rc=RC OUTPUT.
# Commands: lines "ID SHELL-COMMAND" on ttyS1 (a unix socket on the host:
# vmecho line SOCKET "ID CMD"), run one at a time.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
con=/dev/ttyS0
say() { printf '%s\n' "$*" >$con; }

while read -r m; do insmod "$m" || say "INSMOD-FAILED $m"; done </etc/modules.load
for c in all default; do sysctl -qw "net.ipv6.conf.$c.disable_ipv6=1"; done
ip link set lo up

# acpid opens the event devices that exist when it starts: wait for the
# power button's (up to 5 s).
i=0
while [ $i -lt 50 ]; do
	want=$(grep -o 'event[0-9]*' /proc/bus/input/devices | wc -l)
	have=$(ls /dev/input 2>/dev/null | grep -c '^event')
	grep -q 'Power Button' /proc/bus/input/devices && [ "$want" = "$have" ] && break
	sleep 0.1
	i=$((i + 1))
done
acpid -f -c /etc/acpi -l /tmp/acpid.log &
vmecho serve 7 &

if [ -e /dev/ttyS1 ]; then
	stty -F /dev/ttyS1 raw -echo
	(
		while :; do
			while IFS= read -r line; do
				id=${line%% *}
				cmd=${line#* }
				out=$(sh -c "$cmd" 2>&1 </dev/null)
				rc=$?
				say "DONE $id rc=$rc $(printf '%s' "$out" | tr '\n' ' ')"
			done </dev/ttyS1
		done
	) &
fi

# addr_of MAC: 10.AA.0.BB/24
addr_of() {
	set -- $(echo "$1" | tr ':' ' ')
	echo "10.$((0x$5)).0.$((0x$6))/24"
}

say READY
known=" "
while :; do
	for d in /sys/class/net/eth*; do
		[ -e "$d" ] || continue
		n=${d##*/}
		case $known in *" $n "*) continue ;; esac
		mac=$(cat "$d/address")
		a=$(addr_of "$mac")
		ip addr add "$a" dev "$n" && ip link set "$n" up &&
			known="$known$n " && say "UP $n $mac $a"
	done
	for n in $known; do
		[ -e "/sys/class/net/$n" ] && continue
		known=$(echo "$known" | sed "s/ $n / /")
		say "GONE $n"
	done
	sleep 0.2
done
