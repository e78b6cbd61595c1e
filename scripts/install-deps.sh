#!/usr/bin/env bash
# Install the Debian packages vmsteer needs to build, test, bench and demo,
# when any is missing. Idempotent: does nothing when all are present.
set -euo pipefail

pkgs=(
	clang llvm make gcc pkg-config     # toolchain (clang -target bpf)
	clang-16 clang-19                  # the compiler matrix (tests/compilers.sh)
	clang-format                       # make check-format
	libbpf-dev bpftool                 # libbpf and skeleton generation
	libelf-dev zlib1g-dev              # libbpf's link dependencies
	libjson-c-dev                      # JSON output
	libyajl-dev                        # apply: duplicate JSON keys
	libpcap-dev                        # pcap files (monitor, tests, bench)
	libmicrohttpd-dev                  # the Prometheus exporter
	libmnl-dev                         # rtnetlink (host-local MACs, agent)
	libnftables-dev nftables ebtables  # doctor/port add: rules naming a tap
	libvirt-dev libxml2-dev            # the agent: libvirt events, domain XML
	iproute2 util-linux                # ip netns/link/tuntap, nsenter, unshare
	tcpdump tshark                     # tests cross-check frames, pcaps
	jq ethtool                         # netns tests: JSON checks, GRO off
	prometheus curl                    # exporter tests: promtool, a scraper
	strace                             # tests: a unit's syscalls, a slowed exporter
	libclang-rt-14-dev                 # libFuzzer (make fuzz)
	debhelper dpkg-dev lintian         # make deb
	man-db systemd                     # man -w, systemd-analyze verify
	qemu-system-x86 linux-image-amd64  # real-VM tests and demo: TCG guests on
	libvirt-daemon libvirt-clients     # Debian's kernel, under a libvirtd
	libvirt-daemon-driver-qemu         # confined to the test's namespaces
	cpio libc6-dev                     # the guest's initramfs, static vmecho
)
# busybox-static is not installed (it would replace busybox): the guest
# builder (scripts/guest/lib.sh) fetches it with `apt-get download`.

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root to install)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
