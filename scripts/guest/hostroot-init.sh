#!/bin/sh
# /init of a guest that runs the host's own root filesystem (built by
# scripts/guest/build-hostroot.sh). Busybox only, in the initramfs.
#
# Mounts the host's root (9p tag "hostroot", read-only) under an overlay
# whose upper layer is a tmpfs, so the guest can write anywhere and the
# host sees none of it; mounts the writable 9p share "results" at
# /mnt/results and, when there is one, the share "modules" (another
# kernel's /lib/modules/KVER) over /lib/modules; then switch_root runs
# the command the kernel command line names (vmst.run=PATH, a path in the
# host's filesystem) as PID 1. On failure it prints INIT-FAILED on the
# console and powers off.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
fail() {
	echo "INIT-FAILED $*"
	echo o >/proc/sysrq-trigger
	sleep 10
}
while read -r m; do insmod "$m" || echo "INSMOD-FAILED $m"; done </etc/modules.load

run=
for a in $(cat /proc/cmdline); do
	case $a in vmst.run=*) run=${a#vmst.run=} ;; esac
done
[ -n "$run" ] || fail "no vmst.run= on the kernel command line"

opts=trans=virtio,version=9p2000.L,msize=262144
mkdir -p /lower /rw /newroot
mount -t 9p -o "ro,$opts" hostroot /lower || fail "cannot mount the host root (9p)"
mount -t tmpfs -o mode=0755 rw /rw || fail "cannot mount the overlay's tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work \
	overlay /newroot || fail "cannot mount the overlay"
mkdir -p /newroot/mnt/results
mount -t 9p -o "$opts" results /newroot/mnt/results || fail "cannot mount the results share"
if grep -q modules /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag 2>/dev/null; then
	mkdir -p /newroot/lib/modules
	mount -t 9p -o "ro,$opts" modules /newroot/lib/modules ||
		fail "cannot mount the modules share"
fi
umount /proc /sys /dev 2>/dev/null
exec switch_root /newroot "$run"
