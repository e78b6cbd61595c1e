#!/usr/bin/env bash
# vmsteer control-plane benchmark (the last section of `make bench`): how
# the CLI and the exporter scale with the number of ports. For each N it
# builds a fresh network namespace with an uplink and N taps (created
# with `ip -batch`; every 16th a multi-queue tap whose port has queue
# steering) and times, in milliseconds:
#   apply       `apply` of a document of N ports, from nothing
#   reapply     `apply` of the same document again (no changes)
#   port_del    `port del` of the document's last port (median of REPEAT)
#   port_add    `port add` of it again, into a table of N-1 ports (median
#               of REPEAT; at N=4096 the table is full, so "one more" is
#               this one)
#   scrape      one /metrics scrape of vmsteer-exporter (median of REPEAT),
#               and its size in bytes
#   stats       `stats --json` (median of REPEAT)
#   dump        `dump` (median of REPEAT)
#   apply_cpu, port_add_cpu   the CPU time (user + system) of apply and
#               port add: on a loaded machine, a steadier figure than
#               the wall time
# then the cost per port of each and its growth from the smallest N to the
# largest (linear growth is the ratio of the two Ns).
#
# Settings (environment):
#   CP_SIZES="256 1024 4096"   port counts
#   REPEAT=5                   runs of each repeated measurement
#   VMSTEER=PATH               the CLI (default build/vmsteer); the
#                              exporter is vmsteer-exporter beside it
set -euo pipefail
cd "$(dirname "$0")/.."

NAME=bench_cp
. scripts/cp_lib.sh
bench_private_bpffs "$0" "$@"

CP_SIZES=${CP_SIZES:-256 1024 4096}
REPEAT=${REPEAT:-5}
cp_cli
EXPORTER=$(dirname "$VMSTEER")/vmsteer-exporter
command -v jq >/dev/null || die "jq missing (make deps)"
command -v curl >/dev/null || die "curl missing (make deps)"

exp_pid=
stop_exporter() {
	[ -z "$exp_pid" ] || { kill "$exp_pid"; wait "$exp_pid"; } 2>/dev/null
}
CP_CLEANUP=stop_exporter
cp_setup vmsteer-bench-cp

now_ns() { date +%s%N; }
# ms CMD...: milliseconds CMD took (its output discarded; it must succeed).
# The CPU milliseconds it used (user + system) go to $tmp/cpu: on a
# loaded machine they say more than the wall time.
ms() {
	local t0 t1 TIMEFORMAT='%U %S'
	t0=$(now_ns)
	{ time "$@" >/dev/null 2>"$tmp/err" || die "failed: $*: $(head -c 300 "$tmp/err")"; } 2>"$tmp/times"
	t1=$(now_ns)
	awk '{ printf "%.1f", ($1 + $2) * 1000 }' "$tmp/times" >"$tmp/cpu"
	echo $(((t1 - t0) / 1000)) | awk '{ printf "%.1f", $1 / 1000 }'
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mac_of() { printf '02:cc:%02x:%02x:%02x:01' $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }

declare -A R
for n in $CP_SIZES; do
	cp_netns
	cp_taps_batch "$n" >"$tmp/ip.batch"
	t_taps=$(ms hv ip -batch "$tmp/ip.batch")
	# The document: every 16th port steers 2 queues by RSS.
	for i in $(seq 1 "$n"); do
		if [ $((i % 16)) = 0 ]; then
			printf '{"tap":"t%d","mac":"%s","queues":2}\n' "$i" "$(mac_of "$i")"
		else
			printf '{"tap":"t%d","mac":"%s"}\n' "$i" "$(mac_of "$i")"
		fi
	done | jq -s '{uplinks: [{device: "up0"}], ports: .}' >"$tmp/doc.json"

	R[$n,apply]=$(ms vms apply "$tmp/doc.json")
	R[$n,apply_cpu]=$(cat "$tmp/cpu")
	[ "$(vms --json port list | jq length)" = "$n" ] || die "N=$n: apply did not make $n ports"
	R[$n,reapply]=$(ms vms apply "$tmp/doc.json")
	a=() d=() s=() j=() p=() ac=()
	for r in $(seq "$REPEAT"); do
		d+=("$(ms vms port del "t$n")")
		a+=("$(ms vms port add "t$n" --mac "$(mac_of "$n")")")
		ac+=("$(cat "$tmp/cpu")")
		s+=("$(ms vms --json stats)")
		j+=("$(ms vms dump)")
	done
	R[$n,port_add]=$(echo "${a[*]}" | median)
	R[$n,port_add_cpu]=$(echo "${ac[*]}" | median)
	R[$n,port_del]=$(echo "${d[*]}" | median)
	R[$n,stats]=$(echo "${s[*]}" | median)
	R[$n,dump]=$(echo "${j[*]}" | median)
	if [ -x "$EXPORTER" ]; then
		port=$((20000 + RANDOM % 20000))
		# nsenter itself (it execs the exporter), not the hv function in
		# a subshell: $! must be the exporter's pid, or kill leaves it.
		nsenter --net="/run/netns/$NS" "$EXPORTER" --pin-path "$PIN" \
			--listen "127.0.0.1:$port" >"$tmp/exp.out" 2>&1 &
		exp_pid=$!
		for _ in $(seq 50); do
			hv curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
			sleep 0.1
		done
		for r in $(seq "$REPEAT"); do
			hv curl -s -o /dev/null -m 30 -w '%{size_download} %{time_total}\n' \
				"http://127.0.0.1:$port/metrics"
		done >"$tmp/scrapes"
		kill "$exp_pid"
		wait "$exp_pid" 2>/dev/null || true
		exp_pid=
		R[$n,scrape]=$(awk '{ print $2 * 1000 }' "$tmp/scrapes" | median)
		R[$n,bytes]=$(awk '{ print $1 }' "$tmp/scrapes" | median)
	else
		R[$n,scrape]=- R[$n,bytes]=-
	fi
	echo "N=$n: taps created in $t_taps ms (ip -batch)" >&2
done

sizes=($CP_SIZES)
first=${sizes[0]} last=${sizes[${#sizes[@]} - 1]}
echo
echo "Control plane ($(nproc) CPUs, $(uname -r)); milliseconds, median of $REPEAT where repeated"
printf '%-13s' what
for n in "${sizes[@]}"; do printf '%12s' "N=$n"; done
printf '%14s%10s\n' "ms/port@$last" "growth"
for w in apply apply_cpu reapply port_add port_add_cpu port_del scrape stats dump; do
	printf '%-13s' "$w"
	for n in "${sizes[@]}"; do printf '%12s' "${R[$n,$w]}"; done
	awk -v a="${R[$first,$w]}" -v b="${R[$last,$w]}" -v n="$last" 'BEGIN {
		if (b == "-" || a == "-" || a == 0) { printf "%14s%10s\n", "-", "-"; exit }
		printf "%14.3f%9.1fx\n", b / n, b / a }'
done
printf '%-13s' bytes
for n in "${sizes[@]}"; do printf '%12s' "${R[$n,bytes]}"; done
echo
echo "(linear growth from N=$first to N=$last: $(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.0fx", b / a }'))"
