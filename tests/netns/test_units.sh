#!/usr/bin/env bash
# The exporter unit's capabilities are exactly what the exporter needs:
# run as its unit runs it (root, the unit's CapabilityBoundingSet, no new
# privileges), a scrape shows the same as one with every capability; with
# any one of those capabilities taken away, it shows less. Without any
# capability at all it still reads the pinned maps (this kernel lets
# BPF_OBJ_GET and map lookups through on file permissions alone; the
# unprivileged_bpf_disabled sysctl only guards loading programs and
# creating maps), so what the capabilities buy is named per capability.
. "$(dirname "$0")/lib.sh"
lib_init units

command -v setpriv >/dev/null || die "setpriv (util-linux) not installed"
command -v curl >/dev/null || die "curl not installed"
make -C "$ROOT" --no-print-directory BUILD="$BUILD" GENDIR="$TMPD/gen" \
	"$TMPD/gen/systemd/vmsteer-exporter.service" >/dev/null || die "cannot generate the unit"
UNIT=$TMPD/gen/systemd/vmsteer-exporter.service
# The program the unit runs, of the build under test.
EXPORTER=$(dirname "$VMSTEER")/vmsteer-exporter
[ -x "$EXPORTER" ] || die "$EXPORTER not built"
# An empty set (no capability at all) is a set too: the line must be there.
grep -q '^CapabilityBoundingSet=' "$UNIT" || die "no CapabilityBoundingSet in $UNIT"
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
grep -qx 'NoNewPrivileges=yes' "$UNIT" || die "$UNIT lacks NoNewPrivileges=yes"

metrics_state vmtu1 vmtu2

# scrape BOUNDING-SET: the exporter's metrics, run with that bounding set
# (setpriv syntax), durations left out, in $TMPD/scrape.
SCRAPE_WRAP=()
scrape() {
	local out=$TMPD/scrape pid addr
	rm -f "$out" "$out.err"
	nsenter --net="/run/netns/$NS_HYP" "${SCRAPE_WRAP[@]}" setpriv --inh-caps=-all --ambient-caps=-all --bounding-set="$1" --no-new-privs \
		"$EXPORTER" --pin-path "$PIN" --listen 127.0.0.1:0 \
		</dev/null >/dev/null 2>"$out.err" &
	pid=$!
	LIB_PIDS+=("$pid")
	if wait_for "exporter listening" grep -qs 'listening on' "$out.err"; then
		addr=$(sed -n 's|.*listening on http://\([^/]*\)/.*|\1|p' "$out.err")
		in_hyp curl -sf --max-time 10 "http://$addr/metrics" | grep -v '^#\|duration_seconds' | sort >"$out"
	else
		echo "no exporter: $(cat "$out.err")" >"$out"
	fi
	kill "$pid"
	wait "$pid" 2>/dev/null
}
setpriv_caps() { # "CAP_A CAP_B" -> "-all,+a,+b"
	local c s=-all
	for c in $1; do s+=",+$(echo "${c#CAP_}" | tr A-Z a-z)"; done
	echo "$s"
}

scrape +all; full=$(cat "$TMPD/scrape")
echo "$full" | grep -q '^vmsteer_up 1$' || die "exporter with every capability: $full"
scrape "$(setpriv_caps "$caps")"; unit=$(cat "$TMPD/scrape")
case=exporter-unit-caps-suffice
if [ "$unit" = "$full" ]; then
	ok $case
else
	fail $case "with $caps the scrape differs: $(diff <(echo "$full") <(echo "$unit") | grep '^[<>]' | head -5 | tr '\n' ' ')"
fi

# Each capability is needed: without it, something is missing.
for c in $caps; do
	scrape "$(setpriv_caps "$(echo " $caps " | sed "s/ $c / /")")"
	less=$(cat "$TMPD/scrape")
	case=exporter-needs-$(echo "${c#CAP_}" | tr A-Z a-z)
	if [ "$less" != "$full" ]; then
		ok $case
		log "without $c: $(diff <(echo "$full") <(echo "$less") | grep '^[<>]' | head -3 | tr '\n' ' ')"
	else
		fail $case "the scrape is the same without $c: drop it from the unit"
	fi
done

# ProtectSystem=strict and ProtectKernelTunables=yes make /sys/fs/bpf
# read-only for the service: the exporter works there as well.
case=exporter-readonly-bpffs
SCRAPE_WRAP=(unshare -m sh -c 'mount --bind -o ro /sys/fs/bpf /sys/fs/bpf && exec "$@"' -)
scrape "$(setpriv_caps "$caps")"
SCRAPE_WRAP=()
ro=$(cat "$TMPD/scrape")
if [ "$ro" = "$full" ]; then
	ok $case
else
	fail $case "with a read-only bpffs: $(diff <(echo "$full") <(echo "$ro") | grep '^[<>]' | head -5 | tr '\n' ' ')"
fi

case=exporter-maps-without-caps
scrape -all; none=$(cat "$TMPD/scrape")
if echo "$none" | grep -q '^vmsteer_up 1$' && echo "$none" | grep -q 'vmsteer_port_frames_total{.*tap="vmtu1"'; then
	ok $case
else
	fail $case "no capability: $(echo "$none" | grep vmsteer_up)"
fi

lib_done
