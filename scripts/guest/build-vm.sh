#!/usr/bin/env bash
# Build the busybox initramfs guest of the real-VM tests and demo:
#
#   scripts/guest/build-vm.sh OUTDIR
#
# OUTDIR/initrd.gz  Debian's 6.1 virtio-net, ACPI button and evdev modules,
#                   static busybox, vmecho, /init (scripts/guest/vm-init.sh)
# OUTDIR/vmlinuz    a link to the kernel those modules belong to
# OUTDIR/vmecho     the same static vmecho, for the host side of the tests
# OUTDIR/busybox    the static busybox (ping for the host side)
#
# Rebuilt only when an input changed (kernel version, these sources).
# Prints OUTDIR. Needs gcc and libc6-dev (static), linux-image-amd64 and
# network access to download busybox-static once (cached in OUTDIR).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ $# -eq 1 ] || guest_die "usage: $0 OUTDIR"
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)

# One build at a time (test files run in parallel share OUTDIR).
exec 9>"$out/.lock"
flock 9
kver=$(guest_kver)
kernel=$(guest_kernel)
stamp=$(cat "$here/lib.sh" "$here/build-vm.sh" "$here/vm-init.sh" "$here/vmecho.c" |
	sha256sum | cut -c1-16)-$kver
if [ -e "$out/initrd.gz" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "$out"
	exit 0
fi

root=$out/root
rm -rf "$root"
guest_skel "$root" "$out"
guest_modules "$root" virtio_pci virtio_net button evdev
${CC_STATIC:-gcc} -static -O2 -Wall -Wextra -Werror -o "$out/vmecho" "$here/vmecho.c" ||
	guest_die "cannot build vmecho statically (gcc, libc6-dev)"
cp "$out/vmecho" "$root/bin/vmecho"
install -m 0755 "$here/vm-init.sh" "$root/init"
mkdir -p "$root/etc/acpi/PWRF"
printf '#!/bin/sh\necho POWEROFF >/dev/ttyS0\npoweroff -f\n' >"$root/etc/acpi/PWRF/00000080"
chmod 0755 "$root/etc/acpi/PWRF/00000080"
guest_pack "$root" "$out/initrd.gz"
rm -rf "$root"
ln -sfn "$kernel" "$out/vmlinuz"
ln -sfn busybox-static/bin/busybox "$out/busybox"
echo "$stamp" >"$out/stamp"
echo "$out"
