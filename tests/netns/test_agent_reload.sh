#!/usr/bin/env bash
# systemctl reload vmsteer (ExecReload: SIGHUP to the agent) reads the
# agent's configuration file again: the bridges and MACs it selects take
# effect, a file with an error changes nothing (the agent keeps running
# with the settings in use), a new libvirt_uri is refused until a restart.
# The agent runs rtnetlink-only here; what the selection does with libvirt
# domains is tests/netns/test_vm.sh's.
. "$(dirname "$0")/lib.sh"
lib_init agentreload

netns_add "$NS_HYP"
CONF=$TMPD/agent.json
echo '{"libvirt_uri": null, "bridges": ["br0"], "macs": []}' >"$CONF"
# nsenter execs the CLI, which execs vmsteer-agent: $! is the agent.
nsenter --net="/run/netns/$NS_HYP" "$VMSTEER" --pin-path "$PIN" agent --config "$CONF" \
	</dev/null >/dev/null 2>"$TMPD/agent.err" &
AGENT=$!
LIB_PIDS+=("$AGENT")
wait_for "the agent to run" grep -q 'running: pin path' "$TMPD/agent.err" ||
	die "the agent did not start: $(cat "$TMPD/agent.err")"

# hup EXPECTED-LOG-SUBSTRING: SIGHUP, then wait for the agent to say it.
hup() {
	local n
	n=$(grep -c 'SIGHUP' "$TMPD/agent.err")
	kill -HUP "$AGENT"
	wait_for "the agent to read its settings" \
		sh -c "[ \$(grep -c SIGHUP '$TMPD/agent.err') -gt $n ]" || return 1
	tail -n 3 "$TMPD/agent.err" | grep -F -- "$1" >/dev/null
}

case=reload-reads-config
echo '{"libvirt_uri": null, "bridges": ["br0", "br1"], "macs": ["52:54:00:00:00:01"]}' >"$CONF"
if hup "settings read again: 2 bridges, 1 MACs"; then ok $case; else fail $case "$(tail -3 "$TMPD/agent.err")"; fi

case=reload-bad-config-kept
echo '{"bridges": [1]}' >"$CONF"
if hup "the settings in use are kept" && kill -0 "$AGENT"; then
	ok $case
else
	fail $case "$(tail -3 "$TMPD/agent.err")"
fi

case=reload-after-bad-config
echo '{"libvirt_uri": null, "bridges": [], "macs": []}' >"$CONF"
if hup "settings read again: 0 bridges, 0 MACs"; then ok $case; else fail $case "$(tail -3 "$TMPD/agent.err")"; fi

case=reload-uri-takes-restart
echo '{"libvirt_uri": "qemu:///session", "bridges": [], "macs": []}' >"$CONF"
if hup "settings read again" && grep -q 'libvirt_uri qemu:///session takes a restart' "$TMPD/agent.err"; then
	ok $case
else
	fail $case "$(tail -3 "$TMPD/agent.err")"
fi

lib_done
