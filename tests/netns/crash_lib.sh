# shellcheck shell=bash
# Crash-point harness of test_crash.sh and test_crash_add.sh: sourced after
# lib_init. The CLI with crash points (build/tests/vmsteer-crash,
# tests/crash/crashpoint.c) is SIGKILLed before its Nth write to the state.
#
# Which kill points: a run without kills first traces the kind of each of
# its writes (the map and operation, or the link or tc operation). By
# default a test kills before the first and the last write and before
# CRASH_PER_KIND (1) write of every kind, chosen by CRASH_SEED (printed;
# it changes daily, so successive days cover other points; CRASH_SEED=N
# reruns a sample), in documents of CRASH_PORTS (20) ports: every kind of
# write, and its order among the others, is there with 20 ports as with
# 120. CRASH_FULL=1, or make test-full, kills before every write of
# documents of 120 ports.
#
# Sets up the hyp namespace with up0 and NTAPS plain taps, and the
# documents $TMPD/A.json, B.json and empty.json.
CRASH=$BUILD/tests/vmsteer-crash
[ -x "$CRASH" ] || die "$CRASH not built (make test-progs)"
CRASH_SEED=${CRASH_SEED:-$(($(date +%s) / 86400))}
CRASH_PER_KIND=${CRASH_PER_KIND:-1}
[ "${VMSTEER_TEST_FULL:-0}" = 1 ] && CRASH_FULL=1
CRASH_FULL=${CRASH_FULL:-0}
if [ "$CRASH_FULL" = 1 ]; then
	NPORTS=${CRASH_PORTS:-120}
	echo "# crash points: every write, $NPORTS ports (CRASH_FULL=1)"
else
	NPORTS=${CRASH_PORTS:-20}
	echo "# crash points: $CRASH_PER_KIND of each kind of write, seed $CRASH_SEED, $NPORTS ports (CRASH_SEED=$CRASH_SEED reruns them; CRASH_FULL=1: every write)"
fi
[ "$NPORTS" -ge 20 ] || die "CRASH_PORTS: at least 20"
NTAPS=$((NPORTS + 10))

topo_create
# NTAPS plain taps in one batch (cheap: no queues are opened).
for i in $(seq 0 $((NTAPS - 1))); do
	echo "tuntap add dev t$i mode tap"
	echo "link set t$i up"
done >"$TMPD/taps.batch"
ip -n "$NS_HYP" -batch "$TMPD/taps.batch" || die "cannot create the taps"

# Document A: up0 and the first NPORTS taps (a third untagged, the rest on five
# VLANs). Document B: every 7th port gone, every 5th with another MAC, every
# 11th on another VLAN, the last 10 taps new: deletes, moves and adds.
mkdoc() { # A|B
	local i mac vlan first=1
	echo '{"uplinks": [{"device": "up0", "mode": "native"}], "ports": ['
	for i in $(seq 0 $((NTAPS - 1))); do
		printf -v mac '02:00:00:01:%02x:%02x' $((i / 256)) $((i % 256))
		vlan=$((i % 3 ? 10 + i % 5 : 0))
		if [ "$1" = A ]; then
			[ $i -lt $NPORTS ] || continue
		else
			[ $((i % 7)) = 0 ] && continue
			[ $((i % 5)) = 0 ] && printf -v mac '02:00:00:02:%02x:%02x' $((i / 256)) $((i % 256))
			[ $((i % 11)) = 0 ] && vlan=$((vlan + 100))
		fi
		[ $first = 1 ] || echo ','
		first=0
		if [ $vlan = 0 ]; then
			printf '{"tap": "t%d", "mac": "%s"}' $i "$mac"
		else
			printf '{"tap": "t%d", "mac": "%s", "vlan": %d}' $i "$mac" $vlan
		fi
	done
	echo ']}'
}
mkdoc A >"$TMPD/A.json"
mkdoc B >"$TMPD/B.json"
echo '{"uplinks": [], "ports": []}' >"$TMPD/empty.json"
jq -e . "$TMPD/A.json" "$TMPD/B.json" >/dev/null || die "bad test documents"

# crash_run AFTER ARGS: the crash-point CLI in hyp, killed before its
# map write AFTER+1; prints nothing, returns its exit status (137: killed).
crash_run() {
	local after=$1
	shift
	VMSTEER_CRASH_AFTER=$after VMSTEER_CRASH_COUNT=$TMPD/count \
		in_hyp "$CRASH" --pin-path "$PIN" "$@" >"$TMPD/crash.out" 2>"$TMPD/crash.err"
} 2>/dev/null
# writes NAME ARGS: how many writes the command makes when not killed; the
# kind of each goes to $TMPD/NAME.trace.
writes() {
	local name=$1
	shift
	rm -f "$TMPD/count" "$TMPD/$name.trace"
	VMSTEER_CRASH_TRACE=$TMPD/$name.trace crash_run "" "$@" || return 1
	cat "$TMPD/count"
}
# points NAME: the kill points (writes made before the kill) to try for the
# command traced as NAME: every one with CRASH_FULL=1, else the first and
# the last write and CRASH_PER_KIND writes of each kind, chosen by
# CRASH_SEED (and NAME, so that commands sample differently).
points() {
	local n
	n=$(wc -l <"$TMPD/$1.trace")
	if [ "$CRASH_FULL" = 1 ]; then
		seq 0 $((n - 1))
		return
	fi
	awk -v seed="$CRASH_SEED" -v salt="$1" -v k="$CRASH_PER_KIND" '
		!($0 in n) { kinds[++nk] = $0 }
		{ at[$0, ++n[$0]] = NR - 1 }
		END {
			for (i = 1; i <= length(salt); i++)
				seed = (seed * 31 + index("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", substr(salt, i, 1))) % 2147483647
			srand(seed)
			if (NR > 0) print 0
			if (NR > 0) print NR - 1
			for (i = 1; i <= nk; i++) {
				kd = kinds[i]
				delete got
				for (j = 0; j < k && j < n[kd]; ) {
					c = 1 + int(rand() * n[kd])
					if (!(c in got)) { got[c] = 1; print at[kd, c]; j++ }
				}
			}
		}' "$TMPD/$1.trace" | sort -nu
}

# consistent: status finds no inconsistency, and no port steers with
# another key's RSS tables (a crash must never leave one). Sets WHY
# otherwise.
consistent() {
	local st
	# Exit status 3: something needs attention (a tap gone...), not a failure.
	st=$(vms --json status 2>&1)
	case $? in 0 | 3) ;; *) WHY="status failed: $st"; return 1 ;; esac
	if [ "$(jq -r '.inconsistencies | length' <<<"$st")" != 0 ]; then
		WHY="inconsistent: $(jq -c .inconsistencies <<<"$st" | head -c 600)"
		return 1
	fi
	if jq -e '.repairs | any(test("RSS key slot"))' <<<"$st" >/dev/null; then
		WHY="a port on another key's RSS tables: $(jq -c .repairs <<<"$st" | head -c 600)"
		return 1
	fi
}
# converged FILE: dump is FILE and there is nothing left to repair.
norm='{uplinks: (.uplinks | sort_by(.device)), ports: (.ports | sort_by(.tap))}'
converged() {
	local st
	if [ "$(vms dump 2>/dev/null | jq -cS "$norm")" != "$(jq -cS "$norm" "$1")" ]; then
		WHY="dump differs from $(basename "$1")"
		return 1
	fi
	st=$(vms --json status)
	if [ "$(jq -r '(.inconsistencies | length) + (.repairs | length)' <<<"$st")" != 0 ]; then
		WHY="left after apply: $(jq -c '.inconsistencies + .repairs' <<<"$st" | head -c 600)"
		return 1
	fi
}
# reset_to FILE: apply without crash points, before a kill; sets WHY on
# failure (whether it converged is checked after the kill).
reset_to() {
	local out
	out=$(vms apply "$1" 2>&1) || { WHY="apply $(basename "$1") failed: $out"; return 1; }
}
# apply_clean FILE: apply without crash points; sets WHY on failure.
apply_clean() {
	local out
	out=$(vms apply "$1" 2>&1) || { WHY="apply $(basename "$1") failed: $out"; return 1; }
	converged "$1"
}

# early_ok TO: a killed command's write count can shrink by a few: a kill
# between creating a tap's clsact qdisc and recording it as vmsteer's
# leaves an (empty) qdisc vmsteer no longer counts as its own, so later
# runs neither record nor remove it. A run that finished before its kill
# point must then have converged to TO.
early_ok() {
	log "finished before the kill point (a qdisc left by an earlier kill)"
	converged "$TMPD/$1.json"
}

# kill_round CASE FROM TO AFTER [ARGS...]: bring the state to FROM, run
# ARGS (default: apply TO) killed after AFTER writes; the state must be
# consistent; then apply TO and it must converge.
kill_round() {
	local case=$1 from=$2 to=$3 after=$4 rc
	shift 4
	[ $# -gt 0 ] || set -- apply "$TMPD/$to.json"
	reset_to "$TMPD/$from.json" || { fail "$case" "setting up $from: $WHY"; return; }
	crash_run "$after" "$@"
	rc=$?
	if [ $rc -eq 0 ] && early_ok "$to"; then
		return 0
	elif [ $rc -ne 137 ]; then
		fail "$case" "$1 $2 was to be killed after $after writes, exited $rc: $(head -c 300 "$TMPD/crash.err")"
	elif ! consistent; then
		fail "$case" "killed after $after writes: $WHY"
	elif ! apply_clean "$TMPD/$to.json"; then
		fail "$case" "killed after $after writes, then: $WHY"
	else
		return 0
	fi
	return 1
}

# kill_points CASE NAME FROM TO [ARGS...]: kill_round at each of the
# points() of the command traced as NAME (ARGS, default apply TO); one
# "ok CASE" line when every round passed, a FAIL line for each that did
# not.
kill_points() {
	local case=$1 name=$2 from=$3 to=$4 after bad=0 n=0 total
	shift 4
	total=$(wc -l <"$TMPD/$name.trace")
	for after in $(points "$name"); do
		kill_round "$case-$after" "$from" "$to" "$after" "$@" || bad=$((bad + 1))
		n=$((n + 1))
	done
	[ $bad = 0 ] && ok "$case ($n kill points of $total writes)"
}


# kill_both_ways X Y MIN_XY MIN_YX: from state X (empty, A or B: the state
# must be X), apply Y then X without kills, tracing their writes (W_XY,
# W_YX; case crash-points-counted: more than MIN_XY and MIN_YX), then
# kill_points both transitions (cases kill-apply-X-to-Y, kill-apply-Y-to-X).
W_XY=
W_YX=
kill_both_ways() {
	local x=$1 y=$2 t
	W_XY=$(writes "$x-$y" apply "$TMPD/$y.json") || die "apply $x->$y with crash points: $(cat "$TMPD/crash.err")"
	converged "$TMPD/$y.json" || die "apply $x->$y: $WHY"
	W_YX=$(writes "$y-$x" apply "$TMPD/$x.json") || die "apply $y->$x with crash points: $(cat "$TMPD/crash.err")"
	converged "$TMPD/$x.json" || die "apply $y->$x: $WHY"
	log "writes: $x->$y $W_XY, $y->$x $W_YX"
	if [ "$W_XY" -gt "$3" ] && [ "$W_YX" -gt "$4" ]; then
		ok crash-points-counted
	else
		fail crash-points-counted "too few writes counted: $x->$y $W_XY (want > $3), $y->$x $W_YX (want > $4)"
	fi
	for t in "$x-$y" "$y-$x"; do
		kill_points "kill-apply-${t/-/-to-}" "$t" "${t%-*}" "${t#*-}"
	done
}
