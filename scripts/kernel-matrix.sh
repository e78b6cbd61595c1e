#!/usr/bin/env bash
# Kernel matrix: run vmsteer's tests on another kernel, booted under qemu
# (TCG: no KVM needed) with the host's root filesystem shared read-only
# over 9p under a tmpfs overlay, so the guest runs this very build tree
# with the host's tools.
#
#   scripts/kernel-matrix.sh [OPTIONS] [KERNEL [MODULES_BASE]]
#
# KERNEL        the kernel image (default: Debian 12's linux-image-amd64,
#               /boot/vmlinuz-6.1.*)
# MODULES_BASE  the directory that holds lib/modules/KVER for KERNEL, with
#               its modules.dep (depmod -b MODULES_BASE KVER) (default /);
#               KVER is taken from KERNEL's name
#               (vmlinuz-KVER) or, failing that, the one directory in
#               MODULES_BASE/lib/modules
# Options:
#   --run 'CMDS'  what the guest runs in the repository (default: the unit
#                 tests, then the netns files of --netns)
#   --netns LIST  netns test files, comma-separated, without test_ and .sh
#                 (default: $KM_NETNS or the set CI runs, below)
#   --many-cpus   the many-CPU guest: -smp 2,maxcpus=255 (255 possible CPUs,
#                 2 online) running tests/netns/test_cpus.sh (TCG allows no
#                 APIC ID above 254: 256 CPUs would need KVM's x2APIC)
#   --smp SPEC    qemu's -smp (default 2)
#   --icount N    count time in instructions (qemu -icount shift=N,sleep=off,
#                 one TCG thread): a guest nanosecond is 2^N instructions,
#                 whatever else the host runs (for benches: the figures
#                 then count work, not the host's load)
#   --mem SIZE    guest memory (default 4G)
#   --timeout S   give up after S seconds (default 2400)
#   --out DIR     results directory (default $BUILD/kernel-matrix/KVER)
#
# The guest needs the kernel's BTF (CONFIG_DEBUG_INFO_BTF), 9p over virtio
# (9pnet_virtio, 9p) and overlayfs as modules or built in. Build first
# (make test-progs): the guest runs the host's build. Prints the guest's
# test output and a last line "kernel-matrix: N passed, N failed";
# exits non-zero when a test failed or the guest did not finish. Needs
# root, qemu-system-x86, and busybox-static (fetched once by
# scripts/guest/lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$REPO/$BUILD ;; esac
# tests/run.sh takes BUILD relative to the repository.
rel=${BUILD#"$REPO"/}
[ "$rel" != "$BUILD" ] || die "BUILD must be inside $REPO"
# The netns files CI runs on 6.1: the data path both ways (and vhost-net's
# transmit path, which the host may not have; the taps' XDP program, its
# upgrade in place under traffic included), queue steering
# on both paths, the monitor's snapshots on both, the tc programs, load
# errors and the layout check (test_cpus.sh runs in the --many-cpus guest).
KM_NETNS=${KM_NETNS:-forward,tx,tx_tc,tx_xdp,tx_vhost,rss,rss_xdp,monitor,monitor_tx,status_tc,load_errors,layout}

die() {
	echo "kernel-matrix: $*" >&2
	exit 1
}

run= smp=2 mem=4G timeout=2400 out= netns=$KM_NETNS many=0
accel=(-accel tcg,thread=multi)
while [ $# -gt 0 ]; do
	case $1 in
	--run) run=$2; shift 2 ;;
	--netns) netns=$2; shift 2 ;;
	--many-cpus) many=1; smp=2,maxcpus=255; shift ;;
	--smp) smp=$2; shift 2 ;;
	--icount)
		[[ $2 =~ ^[0-9]+$ ]] && [ "$2" -le 10 ] || die "--icount: '$2' is not a shift of 0..10"
		accel=(-accel tcg,thread=single -icount "shift=$2,sleep=off")
		shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1 (--help)" ;;
	*) break ;;
	esac
done
[ $# -le 2 ] || die "usage: $0 [OPTIONS] [KERNEL [MODULES_BASE]]"
[ "$(id -u)" -eq 0 ] || die "needs root (qemu's 9p export of / and the tests)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (scripts/install-deps.sh)"

. scripts/guest/lib.sh
kernel=${1:-}
base=${2:-/}
if [ -z "$kernel" ]; then
	kernel=$(guest_kernel)
fi
[ -r "$kernel" ] || die "$kernel: not readable"
case $(basename "$kernel") in
vmlinuz-*) kver=$(basename "$kernel") kver=${kver#vmlinuz-} ;;
*) kver=$(ls "$base/lib/modules" 2>/dev/null)
   [ "$(echo "$kver" | wc -w)" = 1 ] ||
	   die "cannot tell KERNEL's version: name it vmlinuz-KVER or leave one directory in $base/lib/modules" ;;
esac
[ -d "$base/lib/modules/$kver" ] || die "$base/lib/modules/$kver: no modules for $kver"
[ -r "$base/lib/modules/$kver/modules.dep" ] ||
	die "$base/lib/modules/$kver/modules.dep missing: depmod -b $base $kver"
[ -x "$BUILD/vmsteer" ] && [ -x "$BUILD/tests/unit_tests" ] || die "build first: make test-progs"

if [ -z "$run" ]; then
	if [ $many = 1 ]; then
		run="BUILD=$rel tests/run.sh netns test_cpus.sh"
	else
		run="BUILD=$rel tests/run.sh unit"
		for t in ${netns//,/ }; do
			[ -r "tests/netns/test_$t.sh" ] || die "tests/netns/test_$t.sh: no such test file"
			run+="; BUILD=$rel tests/run.sh netns test_$t.sh"
		done
	fi
fi

suffix=
[ $many = 0 ] || suffix=-many-cpus
out=${out:-$BUILD/kernel-matrix/$kver$suffix}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/{job,rc,output.log,boot.log,console.log,kernel,seconds}
cache=$BUILD/guest
initrd=$(scripts/guest/build-hostroot.sh "$cache" "$kver" "$base")
{
	printf 'REPO=%q\n' "$REPO"
	printf 'RUN=%q\n' "$run"
} >"$out/job"

modules_share=()
if [ "$(cd "$base" && pwd)" != / ]; then
	modules_share=(-fsdev "local,id=m,path=$base/lib/modules,security_model=none,readonly=on"
		-device virtio-9p-pci,fsdev=m,mount_tag=modules)
fi

echo "kernel-matrix: $kernel ($kver), -smp $smp, $mem, ${accel[*]}; results in $out"
echo "kernel-matrix: guest runs: $run"
start=$(date +%s)
set +e
timeout --foreground -k 10 "$timeout" qemu-system-x86_64 \
	"${accel[@]}" -cpu max -machine q35 -smp "$smp" -m "$mem" \
	-nographic -no-reboot -nodefaults -serial "file:$out/console.log" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet vmst.run=$REPO/scripts/guest/hostroot-run.sh" \
	-fsdev local,id=r,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=r,mount_tag=hostroot \
	-fsdev "local,id=o,path=$out,security_model=none" \
	-device virtio-9p-pci,fsdev=o,mount_tag=results \
	"${modules_share[@]}" </dev/null >"$out/qemu.log" 2>&1
qrc=$?
set -e
secs=$(($(date +%s) - start))

[ -r "$out/boot.log" ] && cat "$out/boot.log"
[ -r "$out/output.log" ] && cat "$out/output.log"
if [ ! -r "$out/rc" ]; then
	echo "kernel-matrix: the guest did not finish (qemu exit $qrc after ${secs}s); console:"
	tail -n 30 "$out/console.log" 2>/dev/null
	tail -n 5 "$out/qemu.log" 2>/dev/null
	echo "kernel-matrix: 0 passed, 1 failed"
	exit 1
fi
# Sum the runner's closing lines.
passed=0 failed=0
while read -r p _ f _; do
	passed=$((passed + p))
	failed=$((failed + f))
done < <(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out/output.log")
rc=$(cat "$out/rc")
[ "$rc" = 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "kernel-matrix: Linux $kver, -smp $smp: the guest ran $(cat "$out/seconds" 2>/dev/null || echo ?)s of ${secs}s (boot and power-off included)"
echo "kernel-matrix: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
