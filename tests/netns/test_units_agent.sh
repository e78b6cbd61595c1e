#!/usr/bin/env bash
# vmsteer-test: parallel 34
# The agent unit's hardening holds what the agent does: its writes (the
# CLI's attach, port add with queue steering, rss set, port del, detach:
# the same library code the agent runs) and the agent itself turning a
# pending port active when its tap appears, run as the unit runs them
# (root, the unit's CapabilityBoundingSet, no new privileges):
# - with the unit's set, every step does what it does with all
#   capabilities; without any one capability of the set, a step fails;
# - with / and /sys read-only, /sys/fs/bpf writable and a private /tmp
#   (ProtectSystem=strict, ProtectKernelTunables, ReadWritePaths,
#   PrivateTmp), the same;
# - every system call those steps make is in the unit's SystemCallFilter
#   (systemd-analyze expands its groups), and every socket family in
#   RestrictAddressFamilies.
. "$(dirname "$0")/lib.sh"
lib_init unitsagent

command -v setpriv >/dev/null || die "setpriv (util-linux) not installed"
make -C "$ROOT" --no-print-directory BUILD="$BUILD" GENDIR="$TMPD/gen" \
	"$TMPD/gen/systemd/vmsteer.service" >/dev/null || die "cannot generate the unit"
UNIT=$TMPD/gen/systemd/vmsteer.service
AGENT_BIN=$(dirname "$VMSTEER")/vmsteer-agent
[ -x "$AGENT_BIN" ] || die "$AGENT_BIN not built"
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
[ -n "$caps" ] || die "no CapabilityBoundingSet in $UNIT"
grep -qx 'NoNewPrivileges=yes' "$UNIT" || die "$UNIT lacks NoNewPrivileges=yes"
grep -qx 'ReadWritePaths=/sys/fs/bpf' "$UNIT" || die "$UNIT lacks ReadWritePaths=/sys/fs/bpf"

topo_create
tap_create vmtua1
echo '{"libvirt_uri": null}' >"$TMPD/agent.json"
setpriv_caps() { # "CAP_A CAP_B" -> "-all,+a,+b"
	local c s=-all
	for c in $1; do s+=",+$(echo "${c#CAP_}" | tr A-Z a-z)"; done
	echo "$s"
}

# steps SET [WRAP...]: the agent's work under bounding set SET (WRAP runs
# each program: a mount namespace, strace); prints "step=rc ..." and
# leaves nothing behind. Each run has its own pin path.
RUN=0
# steps runs in a command substitution: its pin paths are registered for
# the cleanup here, by the main shell.
for i in 1 2 3 4 5 6 7 8; do LIB_PINS+=("$PIN-$i"); done
steps() {
	local set=$1 pin out r=""
	shift
	RUN=$((RUN + 1))
	pin=$PIN-$RUN
	run() {
		local name=$1
		shift
		nsenter --net="/run/netns/$NS_HYP" "${WRAP[@]}" setpriv --inh-caps=-all --ambient-caps=-all \
			--bounding-set="$set" --no-new-privs "$@" >>"$TMPD/steps.out" 2>&1
		r+="$name=$? "
	}
	: >"$TMPD/steps.out"
	WRAP=("$@")
	# A fresh tap: nothing a failed run left on it (a steering program
	# vmsteer would take for another's) stays.
	in_hyp ip link del vmtua1 2>/dev/null
	tap_create vmtua1
	run attach "$VMSTEER" --pin-path "$pin" attach up0 --mode generic
	run port-add "$VMSTEER" --pin-path "$pin" port add vmtua1 --mac "$MAC_VM1" --queues 2
	run rss-set "$VMSTEER" --pin-path "$pin" rss set vmtua1 --rss-types ipv4
	run status "$VMSTEER" --pin-path "$pin" status
	run pending "$VMSTEER" --pin-path "$pin" port add vmtua2 --mac "$MAC_VM2"
	# The agent, as the unit runs it: the tap appearing makes the port
	# active (its tap program attached).
	: >"$TMPD/agent.err" # there before wait_for looks
	nsenter --net="/run/netns/$NS_HYP" "${WRAP[@]}" setpriv --inh-caps=-all --ambient-caps=-all \
		--bounding-set="$set" --no-new-privs "$AGENT_BIN" --pin-path "$pin" \
		--config "$TMPD/agent.json" -v >"$TMPD/agent.out" 2>"$TMPD/agent.err" &
	local apid=$!
	LIB_PIDS+=("$apid")
	if WAIT_SECS=10 wait_for "the agent to run" grep -q 'running: pin path' "$TMPD/agent.err"; then
		tap_create vmtua2
		active() { [ "$(in_hyp "$VMSTEER" --pin-path "$pin" --json port list |
			jq -r '.[] | select(.tap == "vmtua2") | "\(.state)/\(.tc)"')" = ok/true ]; }
		WAIT_SECS=10 wait_for "vmtua2 active" active
		r+="agent=$? "
	else
		r+="agent=no-start "
	fi
	# Under strace, $apid is strace: the agent is found by its pin path.
	kill "$apid" $(pgrep -f -- "--pin-path $pin --config") 2>/dev/null
	wait "$apid" 2>/dev/null
	in_hyp ip link del vmtua2 2>/dev/null
	run port-del "$VMSTEER" --pin-path "$pin" port del vmtua1
	run detach "$VMSTEER" --pin-path "$pin" detach up0
	# Whatever a failed step left: removed with every capability.
	in_hyp "$VMSTEER" --pin-path "$pin" detach up0 >/dev/null 2>&1
	rm -rf "$pin"
	echo "$r"
}

full=$(steps +all)
want="attach=0 port-add=0 rss-set=0 status=0 pending=0 agent=0 port-del=0 detach=0 "
[ "$full" = "$want" ] || die "with every capability: $full ($(tail -3 "$TMPD/steps.out" "$TMPD/agent.err"))"

case=agent-unit-caps-suffice
unit=$(steps "$(setpriv_caps "$caps")")
if [ "$unit" = "$full" ]; then ok $case; else fail $case "with $caps: $unit ($(tail -3 "$TMPD/steps.out"))"; fi

for c in $caps; do
	case=agent-needs-$(echo "${c#CAP_}" | tr A-Z a-z)
	less=$(steps "$(setpriv_caps "$(echo " $caps " | sed "s/ $c / /")")")
	if [ "$less" != "$full" ]; then
		ok $case
		log "without $c: $less"
	else
		fail $case "every step works without $c: drop it from the unit"
	fi
done

# CAP_BPF and CAP_PERFMON in place of CAP_SYS_ADMIN are not enough (the
# comment in the unit says why).
case=agent-bpf-perfmon-not-enough
bp=$(steps "$(setpriv_caps "CAP_BPF CAP_PERFMON CAP_NET_ADMIN")")
if [ "$bp" != "$full" ]; then ok $case; else fail $case "CAP_BPF CAP_PERFMON CAP_NET_ADMIN suffice: use them instead of CAP_SYS_ADMIN"; fi

# ProtectSystem=strict, ProtectKernelTunables=yes, ReadWritePaths=/sys/fs/bpf,
# PrivateTmp=yes: / and /sys read-only, bpffs (its own mount) writable.
case=agent-unit-readonly-fs
# The private /tmp gets the agent's settings file back (the unit's is in
# /etc), and the build's programs when the build is under /tmp (a CI
# clone may be; the unit's are in /usr/sbin), carried over on /mnt.
bin=$(realpath "$VMSTEER")
case $bin in /tmp/*) bin=/tmp/$(echo "${bin#/tmp/}" | cut -d/ -f1) ;; *) bin= ;; esac
ro=$(VMST_BIN=$bin steps "$(setpriv_caps "$caps")" unshare -m sh -c \
	'c=$(cat "$0") && { [ -z "$VMST_BIN" ] || mount --bind "$VMST_BIN" /mnt; } &&
	mount -t tmpfs vmst-tmp /tmp && mkdir -p "${0%/*}" && echo "$c" >"$0" &&
	{ [ -z "$VMST_BIN" ] || { mkdir -p "$VMST_BIN" && mount --move /mnt "$VMST_BIN"; }; } &&
	mount -o remount,bind,ro / && mount -o remount,bind,ro /sys && exec "$@"' "$TMPD/agent.json")
if [ "$ro" = "$full" ]; then ok $case; else fail $case "read-only / and /sys: $ro ($(tail -3 "$TMPD/steps.out"))"; fi

# The system calls and socket families the steps use are the unit's.
expand() { # @GROUP...: its system calls, groups expanded
	local g
	for g in "$@"; do
		case $g in
		@*) expand $(systemd-analyze syscall-filter "$g" 2>/dev/null | awk 'NR > 1 && !/^ *#/ { print $1 }') ;;
		*) echo "$g" ;;
		esac
	done
}
if ! command -v strace >/dev/null || ! command -v systemd-analyze >/dev/null; then
	skip agent-unit-syscalls "strace or systemd-analyze not installed"
else
	case=agent-unit-syscalls
	# shellcheck disable=SC2046
	allowed=$(expand $(sed -n 's/^SystemCallFilter=//p' "$UNIT") | sort -u)
	trace=$(steps "$(setpriv_caps "$caps")" strace -f -ff -qq -o "$TMPD/strace" -e trace=all)
	used=$(sed -n 's/^[0-9]* *\([a-z0-9_]*\)(.*/\1/p' "$TMPD"/strace* | sort -u)
	# setpriv's own calls (it runs before the filter would apply) aside.
	extra=$(comm -23 <(echo "$used") <(echo "$allowed") | grep -vx 'prctl\|capset\|execve')
	if [ "$trace" != "$full" ] || [ -z "$used" ]; then
		fail $case "under strace: $trace"
	elif [ -n "$extra" ]; then
		fail $case "system calls outside SystemCallFilter: $(echo $extra)"
	else
		ok $case
	fi
	case=agent-unit-families
	fams=$(sed -n 's/.*socket(\(AF_[A-Z0-9]*\).*/\1/p' "$TMPD"/strace* | sort -u)
	allowedf=$(sed -n 's/^RestrictAddressFamilies=//p' "$UNIT" | tr ' ' '\n')
	extra=$(comm -23 <(echo "$fams") <(echo "$allowedf" | sort -u))
	if [ -z "$fams" ]; then
		fail $case "no socket() seen"
	elif [ -n "$extra" ]; then
		fail $case "socket families outside RestrictAddressFamilies: $(echo $extra)"
	else
		ok $case
	fi
fi

lib_done
