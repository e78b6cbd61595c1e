#!/usr/bin/env bash
# The documentation cannot drift from the code:
# - vmsteer(8) lists every command of `vmsteer --help` and every option of
#   `vmsteer --help` and `vmsteer COMMAND --help`, under that command, and
#   names no command or option they do not know; every environment
#   variable the CLI reads; the exit codes it returns;
# - vmsteer.json(5) lists, for the document and each object in it, exactly
#   the keys `vmsteer apply` accepts (read from its own error message for
#   an unknown key);
# - the bash completion offers the commands, subcommands, options, reasons,
#   port names and tap devices (driven through complete -p / the completion
#   function as bash would call it, in a namespace with a real state).
. "$(dirname "$0")/lib.sh"
lib_init docs

MAN8=$ROOT/doc/vmsteer.8
MAN5=$ROOT/doc/vmsteer.json.5
COMPL=$ROOT/completion/vmsteer.bash

# roff to plain words: \- is -, font escapes go.
plain() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(bu//g' "$@"; }

# Commands of `vmsteer --help`.
help_cmds() { "$VMSTEER" --help | sed -n '/^Commands:/,/^$/{s/^  \([a-z][a-z-]*\) .*/\1/p}' | sort -u; }
# Long options in a text.
long_opts() { grep -o -- '--[a-z][a-z-]*' | sort -u; }
# The options a --help defines: in its synopsis (up to the first empty
# line) and at the start of an indented line; not those it mentions of
# other commands in its prose.
help_opts() { awk 'NR == 1, /^$/ { print; next } /^ +(-[a-zA-Z], )?--[a-z]/' | long_opts; }
# The text of the man page's ".SS CMD ..." sections (all of them for CMD).
man_section() { plain "$MAN8" | awk -v c="$1" '
	/^\.S[HS] / { on = ($1 == ".SS" && $2 == c) }
	on { print }'; }
man_cmds() { plain "$MAN8" | awk '/^\.SH COMMANDS/ { on = 1; next } /^\.SH / { on = 0 } on && /^\.SS / { print $2 }' | sort -u; }

cmds=$(help_cmds)
[ -n "$cmds" ] || die "no commands in vmsteer --help"
diff_out=$(diff <(echo "$cmds") <(man_cmds))
if [ -z "$diff_out" ]; then
	ok man8-commands
else
	fail man8-commands "vmsteer --help (<) and vmsteer.8 COMMANDS (>) differ: $(echo "$diff_out" | grep '^[<>]' | tr '\n' ' ')"
fi

# Global options: `vmsteer --help` against the GLOBAL OPTIONS section.
g_help=$("$VMSTEER" --help | sed -n '/^Options:/,$p' | long_opts)
g_man=$(plain "$MAN8" | awk '/^\.SH GLOBAL OPTIONS/ { on = 1; next } /^\.S[HS] / { on = 0 } on' | long_opts)
if [ "$g_help" = "$g_man" ]; then
	ok man8-global-options
else
	fail man8-global-options "--help: $(echo $g_help); man: $(echo $g_man)"
fi

# Each command's options, both ways.
bad=
for c in $cmds; do
	[ "$c" = help ] && continue
	h=$("$VMSTEER" "$c" --help | help_opts | grep -vx -- --help)
	m=$(man_section "$c" | long_opts | grep -vx -- --help)
	d=$(diff <(echo "$h") <(echo "$m") | grep '^[<>]' | tr '\n' ' ')
	[ -n "$d" ] && bad+="$c: $d; "
done
if [ -z "$bad" ]; then
	ok man8-command-options
else
	fail man8-command-options "(< only in --help, > only in vmsteer.8) $bad"
fi

# Every check of doctor is in its section, with its reason.
dchecks=$(grep -o 'X(C_[A-Z0-9_]*, *"[a-z0-9_]*"' "$ROOT"/user/cli/doctor.h | sed 's/.*"\(.*\)"/\1/' | sort -u)
dman=$(man_section doctor | awk 'prev == ".TP" && /^\.B / { print $2 } { prev = $0 }' | sort -u)
if [ -n "$dchecks" ] && [ "$dchecks" = "$dman" ]; then
	ok man8-doctor-checks
else
	fail man8-doctor-checks "DOCTOR_CHECKS in user/cli/doctor.h: $(echo $dchecks); vmsteer.8: $(echo $dman)"
fi

# Environment variables the CLI reads (test hooks aside) are documented.
envs=$(grep -ho 'getenv("[A-Z_]*")' "$ROOT"/user/*/*.c | sed 's/getenv("\(.*\)")/\1/' | grep -v '^VMSTEER_TEST_' | sort -u)
env_man=$(plain "$MAN8" | awk '/^\.SH ENVIRONMENT/ { on = 1; next } /^\.SH / { on = 0 } on && prev == ".TP" && /^\.B / { print $2 } { prev = $0 }' | sort -u)
if [ -n "$envs" ] && [ "$envs" = "$env_man" ]; then
	ok man8-environment
else
	fail man8-environment "read by user/*/*.c: $(echo $envs); in vmsteer.8: $(echo $env_man)"
fi

# Exit codes: the ones documented are the ones a success, a failure and a
# malformed command line return.
codes=$(plain "$MAN8" | awk '/^\.SH EXIT STATUS/ { on = 1; next } /^\.SH / { on = 0 } on && /^\.B / { print $2 }' | tr '\n' ' ')
"$VMSTEER" --version >/dev/null; r0=$?
"$VMSTEER" detach vmst-no-such-dev >/dev/null 2>&1; r1=$?
"$VMSTEER" --no-such-option >/dev/null 2>&1; r2=$?
if [ "$codes" = "0 1 2 3 " ] && [ "$r0$r1$r2" = 012 ]; then
	ok man8-exit-status
else
	fail man8-exit-status "documented '$codes', returned $r0 $r1 $r2"
fi

# vmsteer.json(5): the keys of each object against apply's own list.
accepted() { # DOCUMENT -> the keys apply names for an unknown key "zz"
	echo "$1" | "$VMSTEER" apply --dry-run - 2>&1 |
		sed -n 's/.*unknown key (an\{0,1\} [a-z]* takes \(.*\))$/\1/p' | tr -d ',' | tr ' ' '\n' | sort
}
man5_keys() { # SECTION-TITLE -> the keys listed (.TP then .BR key)
	plain "$MAN5" | awk -v t="$1" '
		/^\.S[HS] / { on = (substr($0, 5) == t); next }
		on && prev == ".TP" && /^\.BR? / { print $2 }
		{ prev = $0 }' | sort
}
bad=
check_keys() { # TITLE DOCUMENT
	local a m
	a=$(accepted "$2")
	m=$(man5_keys "$1")
	[ -n "$a" ] || { bad+="$1: apply named no keys; "; return; }
	[ "$a" = "$m" ] || bad+="$1: apply takes $(echo $a), vmsteer.json.5 lists $(echo $m); "
}
check_keys "THE DOCUMENT" '{"zz": 1}'
check_keys "Uplink objects" '{"uplinks": [{"zz": 1}], "ports": []}'
check_keys "Port objects" '{"uplinks": [], "ports": [{"zz": 1}]}'
check_keys "RSS objects" '{"uplinks": [], "ports": [{"tap": "t", "mac": "02:00:00:00:00:01", "rss": {"zz": 1}}]}'
if [ -z "$bad" ]; then
	ok man5-keys
else
	fail man5-keys "$bad"
fi

# Both pages render without warnings.
w=$( { MANWIDTH=80 man --warnings -l "$MAN8"; MANWIDTH=80 man --warnings -l "$MAN5"; } 2>&1 >/dev/null)
if [ -z "$w" ]; then ok man-render; else fail man-render "$w"; fi

# The example configuration is the man page's example.
ex_man=$(plain "$MAN5" | awk '/^\.SH EXAMPLE/ { on = 1; next } /^\.S[HS] / { on = 0 } on && !/^\.(nf|fi)/')
if [ "$ex_man" = "$(cat "$ROOT/etc/vmsteer.json.example")" ] && jq -e . "$ROOT/etc/vmsteer.json.example" >/dev/null; then
	ok example-config
else
	fail example-config "etc/vmsteer.json.example is not valid JSON or not vmsteer.json(5)'s EXAMPLE"
fi

# ---- bash completion ---------------------------------------------------
netns_add "$NS_HYP"
in_hyp ip link add vmstd-up0 type veth peer name vmstd-w0 || die "veth"
for t in vmstd-t1 vmstd-t2; do
	in_hyp ip tuntap add dev $t mode tap || die "tap $t"
done
vms attach vmstd-up0 --mode generic >/dev/null || die "attach"
vms port add vmstd-t1 --mac 02:00:00:00:d0:01 >/dev/null || die "port add"

# complete LINE: what the completion offers for LINE (cursor at its end),
# as bash calls the function `complete -p vmsteer` names.
complete_line() {
	in_hyp env -u VMSTEER_PIN_PATH VMSTEER_BIN="$VMSTEER" LINE="$1" PIN="$PIN" COMPL="$COMPL" bash -c '
		[ -r /usr/share/bash-completion/bash_completion ] && . /usr/share/bash-completion/bash_completion
		. "$COMPL"
		spec=$(complete -p vmsteer) || exit 3
		fn=$(echo "$spec" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		line="${LINE/vmsteer/$VMSTEER_BIN --pin-path $PIN}"
		read -ra COMP_WORDS <<<"$line"
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$line
		COMP_POINT=${#line}
		"$fn" vmsteer "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' 2>&1
}
expect() { # NAME LINE EXPECTED-WORDS...
	local name=$1 line=$2 got want
	shift 2
	got=$(complete_line "$line" | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	if [ "$got" = "$want" ]; then ok "$name"; else fail "$name" "'$line' offered '$got', expected '$want'"; fi
}
contains() { # NAME LINE WORD...
	local name=$1 line=$2 got w miss=
	shift 2
	got=$(complete_line "$line")
	for w in "$@"; do grep -qx -- "$w" <<<"$got" || miss+="$w "; done
	if [ -z "$miss" ]; then ok "$name"; else fail "$name" "'$line' did not offer $miss(offered: $(echo $got))"; fi
}

expect completion-commands "vmsteer " $cmds
expect completion-prefix "vmsteer st" stats status
subs=$("$VMSTEER" port --help | sed -n 's/^\(Usage:\)\{0,1\} *vmsteer port \([a-z]*\).*/\2/p' | sort -u)
[ "$(echo $subs)" != "" ] && [[ " $(echo $subs) " == *" add del "* ]] || die "port --help lists no subcommands: $subs"
expect completion-port-sub "vmsteer port " $subs
expect completion-abbrev-cmd "vmsteer po " $subs
contains completion-port-add-options "vmsteer port add vmstd-t2 --" --mac --vlan --ip --trusted --tx-hook --queues --rss-key --rss-types --rss-table --xdp-steer --force
contains completion-global-options "vmsteer --" --json --pretty --pin-path --version --help
expect completion-mode "vmsteer attach vmstd-up0 --mode " auto native generic
reasons_like() { "$VMSTEER" stats --help | sed -n "s/^  \($1[a-z0-9_]*\): .*/\1/p"; }
spoofs=$(reasons_like spoof_)
[ -n "$spoofs" ] || die "no spoof_ reasons in stats --help"
expect completion-reasons "vmsteer monitor --reason spoof_" $spoofs
expect completion-reason-list "vmsteer monitor --reason spoof_mac,rogue_r" $(reasons_like rogue_r | sed 's/^/spoof_mac,/')
expect completion-port-names "vmsteer port del " vmstd-t1
expect completion-monitor-port "vmsteer monitor --port vmst" vmstd-t1
expect completion-tap-devices "vmsteer port add vmstd" vmstd-t1 vmstd-t2
expect completion-rss-types "vmsteer rss set vmstd-t1 --rss-types tcpv4,udp" tcpv4,udpv4 tcpv4,udpv6

# The fourth exit code: status, when something needs attention (a port
# whose tap is gone).
in_hyp ip link del vmstd-t1 || die "cannot delete vmstd-t1"
vms status >/dev/null 2>&1; r3=$?
if [ $r3 = 3 ]; then ok man8-exit-status-3; else fail man8-exit-status-3 "status returned $r3"; fi

lib_done
