#!/usr/bin/env bash
# CI: the Debian package, as an operator installs it. Builds it (make deb:
# dpkg-buildpackage and lintian), installs it with dpkg -i, runs vmsteer
# and man from the installed paths, verifies the installed units, removes
# it (the configuration stays) and purges it (nothing of it stays).
# Runs as root on the CI machine; touches no network device (no state
# exists, so the maintainer scripts have nothing to re-attach or remove).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
VERSION=$(cat VERSION)

step() { echo "ci-deb: $*"; }
die() { echo "ci-deb: FAILED: $*" >&2; exit 1; }

step "make deb"
make --no-print-directory BUILD="$BUILD" deb
deb=$(ls "$BUILD"/deb/vmsteer_"$VERSION"_*.deb)

# Depends comes from the libraries actually linked (dpkg-shlibdeps).
deps=$(dpkg-deb -f "$deb" Depends)
for lib in libbpf1 libjson-c5 libmicrohttpd12 libmnl0 libvirt0 libxml2 libc6; do
	[[ $deps == *"$lib "* ]] || die "Depends lacks $lib: $deps"
done
# libpcap and libnftables are loaded when needed (monitor --pcap, the
# bypass checks): recommended, not depended on.
[[ $deps != *libpcap* ]] || die "Depends has libpcap: $deps"
recs=$(dpkg-deb -f "$deb" Recommends)
[[ $recs == *libpcap0.8* && $recs == *libnftables1* ]] || die "Recommends: $recs"
conf=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)
[ "$conf" = "$(printf '/etc/vmsteer/agent.json\n/etc/vmsteer/exporter.env\n/etc/vmsteer/vmsteer.json.example')" ] ||
	die "conffiles: $conf"

step "dpkg -i $deb"
dpkg -i "$deb" >/dev/null
[ "$(/usr/sbin/vmsteer --version)" = "vmsteer $VERSION $(/usr/sbin/vmsteer --version | cut -d' ' -f3-)" ] ||
	die "vmsteer --version: $(/usr/sbin/vmsteer --version)"
step "$(/usr/sbin/vmsteer --version)"
[ "$(man -w vmsteer)" = /usr/share/man/man8/vmsteer.8.gz ] || die "man -w vmsteer: $(man -w vmsteer)"
[ "$(man -w 5 vmsteer.json)" = /usr/share/man/man5/vmsteer.json.5.gz ] || die "man -w vmsteer.json"
man vmsteer-exporter | grep -q "vmsteer-exporter" || die "man vmsteer-exporter"
/usr/sbin/vmsteer-exporter --help | grep -q -- --listen || die "vmsteer-exporter --help"
out=$(systemd-analyze verify /lib/systemd/system/vmsteer.service \
	/lib/systemd/system/vmsteer-exporter.service 2>&1) || die "systemd-analyze verify: $out"
[ -z "$out" ] || die "systemd-analyze verify: $out"
step "man pages, units: ok"

step "dpkg -r vmsteer"
dpkg -r vmsteer >/dev/null
[ ! -e /usr/sbin/vmsteer ] || die "/usr/sbin/vmsteer still there after dpkg -r"
[ -e /etc/vmsteer/exporter.env ] || die "dpkg -r removed the configuration"
step "dpkg -P vmsteer"
dpkg -P vmsteer >/dev/null
[ ! -e /etc/vmsteer ] || die "/etc/vmsteer left after dpkg -P: $(ls -A /etc/vmsteer)"
dpkg -s vmsteer >/dev/null 2>&1 && die "vmsteer still known to dpkg"
step "ok"
