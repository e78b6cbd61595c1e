#!/usr/bin/env bash
# How a program the kernel refuses is reported. An uplink object that every
# verifier refuses (tests/bpf/broken/refused_uplink.bpf.c), given to
# `vmsteer attach` through the test build's hook VMSTEER_TEST_UPLINK_OBJ
# (build/tests/vmsteer-hooks; vmsteer itself has no hook): the error
# names the program and says the verifier refused it (not "Permission
# denied ... needs root"), quotes the verifier's last lines, and names a
# file that holds the full log; -v prints the log as well; nothing is
# attached. Then the real object attaches on the same state. An
# unprivileged user is told that vmsteer needs root.
. "$(dirname "$0")/lib.sh"
lib_init load_errors

BROKEN=$BUILD/tests/bpf/broken/refused_uplink.bpf.o
[ -r "$BROKEN" ] || { fail load-errors-setup "$BROKEN not built (make test-progs)"; exit 1; }
topo_create
export TMPDIR=$TMPD # the full log goes there

VMSTEER_TEST_UPLINK_OBJ=$BROKEN vms_hooks attach up0 >"$TMPD/out" 2>"$TMPD/err"
rc=$?
err=$(cat "$TMPD/err")
case=verifier-refusal-fails
if [ $rc -eq 0 ]; then
	fail $case "attach of a refused program succeeded"
elif [ "$(xdp_prog_id up0)" != none ]; then
	fail $case "a program is on up0 after the refusal"
else
	ok $case
fi
case=verifier-refusal-named
if echo "$err" | grep -q "verifier refused program vmst_uplink" &&
	! echo "$err" | grep -qi "needs root"; then
	ok $case
else
	fail $case "unclear error: $err"
fi
case=verifier-refusal-last-lines
if echo "$err" | grep -q "invalid access to packet"; then
	ok $case
else
	fail $case "the verifier's reason is not quoted: $err"
fi
case=verifier-refusal-log-file
logf=$(echo "$err" | sed -n 's/.*full verifier log: \([^ ]*\) (-v prints it).*/\1/p')
if [ -z "$logf" ]; then
	fail $case "no log file named: $err"
elif [ "${logf#"$TMPD"/}" = "$logf" ] || [ ! -s "$logf" ]; then
	fail $case "log file $logf missing, empty or not under TMPDIR"
elif ! grep -q "invalid access to packet" "$logf" ||
	[ "$(wc -l <"$logf")" -le 3 ]; then
	fail $case "$logf is not the full log: $(head -c 300 "$logf")"
else
	ok $case
fi

case=verifier-refusal-verbose-log
VMSTEER_TEST_UPLINK_OBJ=$BROKEN vms_hooks -v attach up0 >/dev/null 2>"$TMPD/err-v"
if grep -q "BEGIN PROG LOAD LOG" "$TMPD/err-v" &&
	grep -q "invalid access to packet" "$TMPD/err-v"; then
	ok $case
else
	fail $case "-v does not print the verifier log: $(head -c 300 "$TMPD/err-v")"
fi

case=verifier-refusal-json
VMSTEER_TEST_UPLINK_OBJ=$BROKEN vms_hooks --json attach up0 >"$TMPD/json" 2>/dev/null
if jq -e '.error | test("verifier refused program vmst_uplink")' "$TMPD/json" >/dev/null 2>&1; then
	ok $case
else
	fail $case "JSON error: $(cat "$TMPD/json")"
fi

# Without privileges the same command says so (and only then).
case=unprivileged-needs-root
out=$(in_hyp setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$VMSTEER" --pin-path "$PIN" attach up0 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q "needs root" <<<"$out" && ! grep -q verifier <<<"$out"; then
	ok $case
else
	fail $case "rc=$rc: $out"
fi

case=attach-after-refusal
if vms attach up0 >/dev/null 2>"$TMPD/err2" && [ "$(xdp_prog_id up0)" != none ]; then
	ok $case
else
	fail $case "the real program does not attach after a refusal: $(cat "$TMPD/err2")"
fi
lib_done
