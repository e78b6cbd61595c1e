#!/usr/bin/env bash
# Build the initramfs of a guest that boots the host's own root filesystem
# over 9p (scripts/guest/hostroot-init.sh is its /init):
#
#   scripts/guest/build-hostroot.sh OUTDIR [KVER [MODULES_BASE]]
#
# KVER: the kernel version whose modules go in (default: GUEST_KVER or the
# newest /lib/modules/6.1.*); MODULES_BASE: the directory holding
# lib/modules/KVER (default /). Writes OUTDIR/hostroot-KVER.gz and prints
# its path; rebuilt only when an input changed. Reusable by any guest
# that wants the host's tools and build tree (scripts/kernel-matrix.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ $# -ge 1 ] && [ $# -le 3 ] || guest_die "usage: $0 OUTDIR [KVER [MODULES_BASE]]"
out=$1
[ $# -ge 2 ] && export GUEST_KVER=$2
base=${3:-/}
mkdir -p "$out"
out=$(cd "$out" && pwd)
kver=$(guest_kver)
[ -d "$base/lib/modules/$kver" ] || guest_die "$base/lib/modules/$kver: no such directory"
img=$out/hostroot-$kver.gz
stamp=$(cat "$here/lib.sh" "$here/build-hostroot.sh" "$here/hostroot-init.sh" |
	sha256sum | cut -c1-16)-$kver-$(stat -c %Y "$base/lib/modules/$kver/modules.dep" 2>/dev/null)
if [ -e "$img" ] && [ "$(cat "$img.stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "$img"
	exit 0
fi
root=$out/hostroot-$kver.root
rm -rf "$root"
guest_skel "$root" "$out"
GUEST_MODULES_BASE=$base guest_modules "$root" virtio_pci 9pnet_virtio 9p overlay
install -m 0755 "$here/hostroot-init.sh" "$root/init"
guest_pack "$root" "$img"
rm -rf "$root"
echo "$stamp" >"$img.stamp"
echo "$img"
