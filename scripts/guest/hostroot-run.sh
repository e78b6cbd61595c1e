#!/bin/sh
# PID 1 of the kernel-matrix guest after switch_root (scripts/kernel-matrix.sh):
# the host's root filesystem under a tmpfs overlay, /mnt/results the
# host's writable results directory. Mounts what the tests need, loads
# the modules they use, runs the job the host wrote (/mnt/results/job:
# REPO, the repository; RUN, the commands) in REPO, writes its output to
# /mnt/results/output.log and its exit status to /mnt/results/rc, and
# powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
R=/mnt/results
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run
# A fresh /tmp, unless the repository is in the host's /tmp (a CI clone
# may be): the overlay keeps the host's /tmp writable then, and hides
# nothing.
[ -r "$R/job" ] && . "$R/job"
case "${REPO:-}/" in
/tmp/*) ;;
*) mount -t tmpfs -o mode=1777 tmpfs /tmp ;;
esac
mount -t bpf bpf /sys/fs/bpf
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup
{
	echo "guest: Linux $(uname -r), CPUs online $(cat /sys/devices/system/cpu/online)," \
		"possible $(cat /sys/devices/system/cpu/possible), $(grep MemTotal /proc/meminfo)"
	for m in veth tun bridge br_netfilter sch_ingress cls_bpf act_bpf 8021q vhost_net; do
		modprobe "$m" || echo "guest: modprobe $m failed"
	done
	ip link set lo up
} >"$R/boot.log" 2>&1
uname -r >"$R/kernel"
rc=99
if [ -r "$R/job" ]; then
	start=$(date +%s)
	(cd "$REPO" && eval "$RUN") >"$R/output.log" 2>&1
	rc=$?
	echo "$(($(date +%s) - start))" >"$R/seconds"
fi
echo "$rc" >"$R/rc"
sync
echo o >/proc/sysrq-trigger
sleep 30
