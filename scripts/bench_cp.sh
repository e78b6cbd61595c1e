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
#   port_list   `port list`; status: `status`; stats: `stats --json`;
#   dump        `dump`; rss_show: `rss show` of a port with queue
#               steering; dry_run: `apply --dry-run` of the document
#               (each the median of REPEAT)
#   scrape      one /metrics scrape of vmsteer-exporter (median of REPEAT),
#               and its size in bytes
# Each command is run and timed by a shell inside the namespace, as an
# operator's shell runs it: the time is the command's own (fork, exec,
# run), without the nsenter that enters the namespace. Beside its wall
# time, the CPU time of each (user + system): on a loaded machine the
# wall time mostly measures the wait for a CPU, the CPU time what the
# command costs. Then the cost per port of each and its growth from the
# smallest N to the largest (linear growth is the ratio of the two Ns).
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

# run WHAT CMD...: CMD run in the namespace and timed by a shell there;
# its wall and CPU milliseconds (user + system) are added to the lists
# W[$n,WHAT] and C[$n,WHAT]. CMD must succeed.
run() {
	local what=$1 r u s
	shift
	hv bash -c 'o=$1; shift; TIMEFORMAT="%3R %3U %3S"
		{ time "$@" >/dev/null 2>"$o.err"; } 2>"$o.time"' _ "$tmp/m" "$@" ||
		die "failed: $*: $(head -c 300 "$tmp/m.err")"
	read -r r u s <"$tmp/m.time"
	W[$n,$what]+="$(awk -v r="$r" 'BEGIN { printf "%.1f", r * 1000 }') "
	C[$n,$what]+="$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.1f", (u + s) * 1000 }') "
}
# vrun WHAT ARGS...: run WHAT with the CLI and ARGS.
vrun() {
	local what=$1
	shift
	run "$what" "$VMSTEER" --pin-path "$PIN" "$@"
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mac_of() { printf '02:cc:%02x:%02x:%02x:01' $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }

declare -A R W C
for n in $CP_SIZES; do
	cp_netns
	cp_taps_batch "$n" >"$tmp/ip.batch"
	run taps ip -batch "$tmp/ip.batch"
	# The document: every 16th port steers 2 queues by RSS.
	for i in $(seq 1 "$n"); do
		if [ $((i % 16)) = 0 ]; then
			printf '{"tap":"t%d","mac":"%s","queues":2}\n' "$i" "$(mac_of "$i")"
		else
			printf '{"tap":"t%d","mac":"%s"}\n' "$i" "$(mac_of "$i")"
		fi
	done | jq -s '{uplinks: [{device: "up0"}], ports: .}' >"$tmp/doc.json"

	vrun apply apply "$tmp/doc.json"
	[ "$(vms --json port list | jq length)" = "$n" ] || die "N=$n: apply did not make $n ports"
	vrun reapply apply "$tmp/doc.json"
	for r in $(seq "$REPEAT"); do
		vrun port_del port del "t$n"
		vrun port_add port add "t$n" --mac "$(mac_of "$n")"
		vrun port_list port list
		vrun status status
		vrun stats --json stats
		vrun dump dump
		vrun rss_show rss show t16
		vrun dry_run apply --dry-run "$tmp/doc.json"
	done
	for w in apply reapply port_del port_add port_list status stats dump rss_show dry_run; do
		R[$n,$w]=$(echo "${W[$n,$w]}" | median)
		R[$n,${w}_cpu]=$(echo "${C[$n,$w]}" | median)
	done
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
	R[$n,scrape_cpu]=-
	echo "N=$n: taps created in ${W[$n,taps]% } ms (ip -batch)" >&2
done

sizes=($CP_SIZES)
first=${sizes[0]} last=${sizes[${#sizes[@]} - 1]}
# row KEY: the figures of R[N,KEY] for each N, per port at the last N,
# and the growth from the first N to the last.
row() {
	local n
	for n in "${sizes[@]}"; do printf '%10s' "${R[$n,$1]}"; done
	awk -v a="${R[$first,$1]}" -v b="${R[$last,$1]}" -v n="$last" 'BEGIN {
		if (b == "-" || a == "-" || a == 0) { printf "%10s%8s", "-", "-"; exit }
		printf "%10.3f%7.1fx", b / n, b / a }'
}
echo
echo "Control plane ($(nproc) CPUs, $(uname -r)); milliseconds, median of $REPEAT where repeated"
printf '%-11s' ""
printf '%*s' $((${#sizes[@]} * 10 + 18)) "wall time"
printf '   %*s\n' $((${#sizes[@]} * 10 + 18)) "CPU time (user+sys)"
printf '%-11s' what
for t in wall cpu; do
	[ $t = wall ] || printf '   '
	for n in "${sizes[@]}"; do printf '%10s' "N=$n"; done
	printf '%10s%8s' "/port" "growth"
done
echo
for w in apply reapply port_add port_del port_list status stats dump rss_show dry_run scrape; do
	printf '%-11s' "$w"
	row "$w"
	printf '   '
	row "${w}_cpu"
	echo
done
printf '%-11s' bytes
for n in "${sizes[@]}"; do printf '%10s' "${R[$n,bytes]}"; done
echo
echo "(linear growth from N=$first to N=$last: $(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.0fx", b / a }'); the scrape's CPU is the exporter's, not measured)"
