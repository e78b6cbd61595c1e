#!/usr/bin/env bash
# The memory the maps of one vmsteer state take (README, "Capacity
# limits"; BENCHMARKS.md, "Map memory"). Builds a fresh network namespace
# with an uplink and N taps (`ip -batch`), applies a document of N ports,
# each with one IPv4 and one IPv6 address, every 16th on a multi-queue tap
# with queue steering (KEYS distinct RSS keys among them), then prints,
# for every pinned map, what the kernel charges for it (`bpftool map show`:
# memlock, the map's own memory accounting) and the totals, the per-CPU
# maps apart: their values, one copy per possible CPU, grow with the CPUs.
#
# Settings (environment):
#   N=4096           ports
#   KEYS=4           distinct RSS keys among the steered ports
#   VMSTEER=PATH     the CLI (default build/vmsteer)
set -euo pipefail
cd "$(dirname "$0")/.."

NAME=map_memory
. scripts/cp_lib.sh
bench_private_bpffs "$0" "$@"

N=${N:-4096}
KEYS=${KEYS:-4}
cp_cli
for t in jq bpftool; do
	command -v $t >/dev/null || die "$t missing (make deps)"
done

cp_setup vmsteer-map-memory
cp_netns
cp_taps_batch "$N" >"$tmp/ip.batch"
hv ip -batch "$tmp/ip.batch" || die "cannot create the taps"
# key_of K: RSS key number K (40 bytes).
key_of() {
	local b out
	printf -v out '%02x' "$1"
	for b in $(seq 1 39); do printf -v out '%s:%02x' "$out" $((($1 * 31 + b * 7) & 255)); done
	echo "$out"
}
for k in $(seq 0 $((KEYS - 1))); do key_of "$k"; done >"$tmp/keys"
for i in $(seq 1 "$N"); do
	mac=$(printf '02:cd:%02x:%02x:%02x:01' $((i >> 16 & 255)) $((i >> 8 & 255)) $((i & 255)))
	ip4=$(printf '10.%d.%d.%d' $((i >> 16 & 255)) $((i >> 8 & 255)) $((i & 255)))
	ip6=$(printf 'fd00::%x' "$i")
	if [ $((i % 16)) = 0 ]; then
		key=$(sed -n "$((i / 16 % KEYS + 1))p" "$tmp/keys")
		printf '{"tap":"t%d","mac":"%s","addresses":["%s","%s"],"queues":2,"rss":{"key":"%s"}}\n' \
			"$i" "$mac" "$ip4" "$ip6" "$key"
	else
		printf '{"tap":"t%d","mac":"%s","addresses":["%s","%s"]}\n' "$i" "$mac" "$ip4" "$ip6"
	fi
done | jq -s '{uplinks: [{device: "up0"}], ports: .}' >"$tmp/doc.json"
vms apply "$tmp/doc.json" >/dev/null || die "apply of $N ports failed"
[ "$(vms --json port list | jq length)" = "$N" ] || die "apply did not make $N ports"

ncpu=$(awk -F- '{ print ($2 == "" ? $1 : $2) + 1 }' /sys/devices/system/cpu/possible)
echo "$("$VMSTEER" --version | head -1), $N ports ($((N / 16)) with queue steering, $KEYS RSS keys), $ncpu possible CPUs, Linux $(uname -r)"
# A per-CPU array's memlock is a copy of every value (rounded up to 8
# bytes) for each possible CPU plus a pointer an entry: the first part is
# what grows with the CPUs.
for f in "$PIN"/vmst_*; do
	bpftool -j map show pinned "$f"
done | jq -rs --argjson ncpu "$ncpu" '
	def mib: . / 1048576 * 100 | round / 100;
	def cpu_bytes: if (.type | test("percpu")) then ((.bytes_value + 7) / 8 | floor) * 8 * .max_entries else 0 end;
	(map(cpu_bytes) | add) as $cpu |
	(map(.bytes_memlock) | add) as $total |
	(sort_by(-.bytes_memlock) | .[] |
	 "\(.name)\t\(.type)\t\(.max_entries)\t\(.bytes_value)\t\(.bytes_memlock)\t\(.bytes_memlock | mib)"),
	"total (\($ncpu) CPUs)\t\t\t\t\($total)\t\($total | mib)",
	"each possible CPU\t\t\t\t\($cpu)\t\($cpu | mib)",
	"the rest\t\t\t\t\($total - $ncpu * $cpu)\t\($total - $ncpu * $cpu | mib)"' |
	column -t -s "$(printf '\t')" -N map,type,entries,value_bytes,memlock_bytes,MiB
