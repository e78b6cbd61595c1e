#!/usr/bin/env bash
# `make demo`, README's first command: scripts/demo.sh checks every figure
# it shows against what happened and exits non-zero when one differs (it
# makes and removes its own namespaces and pins, named by its PID).
. "$(dirname "$0")/lib.sh"
lib_init demo

case=demo-claims-hold
if BUILD=$BUILD "$ROOT/scripts/demo.sh" >"$TMPD/demo.out" 2>&1; then
	ok $case
else
	fail $case "$(grep -A8 'check(s) failed\|^demo:' "$TMPD/demo.out" | tr '\n' '|' | cut -c1-600)"
fi

lib_done
