# shellcheck shell=bash
# Building blocks for initramfs guests that boot Debian's own kernel
# (linux-image-amd64, 6.1 on Debian 12) under qemu. Sourced by the guest
# builders (scripts/guest/build-*.sh); every function works on a staging
# directory ROOT that guest_pack turns into a gzipped newc cpio.
#
#   guest_kver                  the guest kernel's version (GUEST_KVER, or
#                               the newest /lib/modules/6.1.*)
#   guest_kernel                its /boot/vmlinuz-*
#   guest_busybox CACHE         a static busybox (Debian's busybox-static,
#                               downloaded once into CACHE, not installed)
#   guest_skel ROOT CACHE       directories, busybox and its applet links
#   guest_modules ROOT MOD...   MOD and its dependencies copied into ROOT,
#                               in load order in ROOT/etc/modules.load
#                               (/init: while read -r m; do insmod "$m"; done)
#                               (from GUEST_MODULES_BASE/lib/modules, when
#                               set, instead of /lib/modules)
#   guest_pack ROOT OUT         the initramfs
#
# Nothing here touches the host beyond reading /boot and /lib/modules and
# (once) `apt-get download busybox-static` into CACHE.

guest_die() {
	echo "guest: $*" >&2
	exit 1
}

guest_kver() {
	local d
	if [ -n "${GUEST_KVER:-}" ]; then
		echo "$GUEST_KVER"
		return
	fi
	d=$(ls -d /lib/modules/6.1.* 2>/dev/null | sort -V | tail -n1)
	[ -n "$d" ] || guest_die "no /lib/modules/6.1.*: install linux-image-amd64 (make deps)"
	basename "$d"
}

guest_kernel() {
	local k
	k=/boot/vmlinuz-$(guest_kver)
	[ -r "$k" ] || guest_die "$k: not readable (linux-image-amd64 installed?)"
	echo "$k"
}

guest_busybox() {
	local cache=$1 deb
	mkdir -p "$cache/busybox-static.dl" || guest_die "$cache: cannot create"
	# One download at a time into CACHE.
	exec 8>"$cache/busybox-static.dl/.lock"
	flock 8
	if [ ! -x "$cache/busybox-static/bin/busybox" ]; then
		rm -f "$cache"/busybox-static.dl/*.deb
		# A fresh machine may have no package lists yet: update once.
		(cd "$cache/busybox-static.dl" && apt-get download -q busybox-static >/dev/null 2>&1) ||
			{ apt-get update -qq >/dev/null 2>&1 &&
				(cd "$cache/busybox-static.dl" && apt-get download -q busybox-static >/dev/null); } ||
			guest_die "apt-get download busybox-static failed"
		deb=$(ls "$cache"/busybox-static.dl/busybox-static_*.deb | head -n1)
		rm -rf "$cache/busybox-static.tmp"
		dpkg-deb -x "$deb" "$cache/busybox-static.tmp" || guest_die "$deb: cannot unpack"
		rm -rf "$cache/busybox-static"
		mv "$cache/busybox-static.tmp" "$cache/busybox-static"
	fi
	exec 8>&-
	echo "$cache/busybox-static/bin/busybox"
}

guest_skel() {
	local root=$1 bb a
	bb=$(guest_busybox "$2") || exit 1
	mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,run,tmp,root,lib/modules}
	cp "$bb" "$root/bin/busybox"
	for a in $("$bb" --list); do
		[ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
	done
	ln -sf ../bin/busybox "$root/sbin/init"
	: >"$root/etc/modules.load"
}

guest_modules() {
	local root=$1 kver m line f
	shift
	kver=$(guest_kver)
	for m in "$@"; do
		line=$(modprobe ${GUEST_MODULES_BASE:+-d "$GUEST_MODULES_BASE"} \
			-S "$kver" --show-depends "$m" 2>&1) ||
			guest_die "module $m for $kver: $line"
		while read -r op f _; do
			# "builtin NAME" lines: nothing to load.
			[ "$op" = insmod ] || continue
			mkdir -p "$root$(dirname "$f")"
			cp "$f" "$root$f"
			grep -qxF "$f" "$root/etc/modules.load" || echo "$f" >>"$root/etc/modules.load"
		done <<<"$line"
	done
}

guest_pack() {
	local root=$1 out=$2
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$out.tmp" &&
		mv "$out.tmp" "$out" || guest_die "$out: cannot write"
}
