# bash completion for vmsteer(8)                        -*- shell-script -*-
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Commands, subcommands, options and reasons are read from vmsteer's own
# --help, so they follow the installed binary; port names from
# `vmsteer port list`, devices from `ip link`.

# The first word of each line of "Commands:" in `vmsteer --help`.
_vmsteer_commands()
{
	"$@" --help 2>/dev/null |
		sed -n '/^Commands:/,/^$/{s/^  \([a-z][a-z-]*\) .*/\1/p}'
}

# Subcommands of COMMAND (the last argument; the others run vmsteer): the word after "vmsteer COMMAND" in its usage.
_vmsteer_subcommands()
{
	local cmd=${*: -1}
	"$@" --help 2>/dev/null |
		sed -n "s/^\(Usage:\)\{0,1\} *vmsteer $cmd \([a-z][a-z-]*\).*/\2/p" |
		sort -u
}

# Long options in the usage of COMMAND.
_vmsteer_options()
{
	"$@" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
}

# Reasons, as `vmsteer stats --help` lists them.
_vmsteer_reasons()
{
	"$@" stats --help 2>/dev/null |
		sed -n '/^Reasons:/,/^$/{s/^  \([a-z0-9_]*\): .*/\1/p}'
}

# Ports of the state (first column of `vmsteer port list`).
_vmsteer_ports()
{
	"$@" port list 2>/dev/null | awk 'NR > 1 { print $1 }'
}

# Devices of this network namespace (ip reads them over netlink; /sys
# may show another namespace's): all, or tun/tap devices only.
_vmsteer_netdevs()
{
	ip -o link show "$@" 2>/dev/null |
		sed -n 's/^[0-9]*: \([^:@ ]*\).*/\1/p'
}

_vmsteer_taps()
{
	_vmsteer_netdevs type tun
}

_vmsteer()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	local i cmd= sub= cmdi=0
	# vmsteer as typed, with the pin path given on the command line.
	local bin=("${words[0]}")

	# The command is the first word that is not a global option.
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--pin-path)
			bin+=(--pin-path "${words[i + 1]}")
			((i++))
			;;
		--pin-path=*) bin+=("${words[i]}") ;;
		-*) ;;
		*)
			cmd=${words[i]}
			cmdi=$i
			break
			;;
		esac
	done

	if [ -z "$cmd" ]; then
		case $prev in
		--pin-path)
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -d -- "$cur"))
			return
			;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--json --pretty --verbose --pin-path
				--help --version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_vmsteer_commands "${bin[@]}")" -- "$cur"))
		fi
		return
	fi

	# Expand an abbreviated command as vmsteer does.
	local full
	full=$(_vmsteer_commands "${bin[@]}" | grep -- "^$cmd" )
	[ "$(printf '%s\n' "$full" | grep -c .)" = 1 ] && cmd=$full

	case $cmd in
	help)
		COMPREPLY=($(compgen -W "$(_vmsteer_commands "${bin[@]}")" -- "$cur"))
		return
		;;
	esac

	# Option arguments.
	case $prev in
	--reason)
		local pre=
		[[ $cur == *,* ]] && pre=${cur%,*},
		COMPREPLY=($(compgen -P "$pre" -W "$(_vmsteer_reasons "${bin[@]}")" -- "${cur##*,}"))
		return
		;;
	--port)
		COMPREPLY=($(compgen -W "$(_vmsteer_ports "${bin[@]}")" -- "$cur"))
		return
		;;
	--mode)
		COMPREPLY=($(compgen -W 'auto native generic' -- "$cur"))
		return
		;;
	--xdp-steer)
		COMPREPLY=($(compgen -W 'none cpumap' -- "$cur"))
		return
		;;
	--tx-hook)
		COMPREPLY=($(compgen -W 'xdp tc' -- "$cur"))
		return
		;;
	--rss-types)
		local pre=
		[[ $cur == *,* ]] && pre=${cur%,*},
		COMPREPLY=($(compgen -P "$pre" -W 'ipv4 tcpv4 udpv4 ipv6 tcpv6 udpv6 all none' -- "${cur##*,}"))
		return
		;;
	--pcap)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--mac | --vlan | --ip | --queues | --rss-key | --rss-table | \
		--default-queue | --sample | --count | --watch | --listen | \
		--timeout)
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_vmsteer_options "${bin[@]}" "$cmd")" -- "$cur"))
		return
	fi

	# Subcommand, then its first argument.
	local subs
	subs=$(_vmsteer_subcommands "${bin[@]}" "$cmd")
	if [ -n "$subs" ]; then
		if ((cword == cmdi + 1)); then
			COMPREPLY=($(compgen -W "$subs" -- "$cur"))
			return
		fi
		sub=${words[cmdi + 1]}
		((cword == cmdi + 2)) || return
	elif ((cword != cmdi + 1)); then
		[ "$cmd" = stats ] || return
	fi

	case $cmd:$sub in
	port:a*)
		COMPREPLY=($(compgen -W "$(_vmsteer_taps)" -- "$cur"))
		;;
	port:d* | rss:* | stats: | doctor:)
		COMPREPLY=($(compgen -W "$(_vmsteer_ports "${bin[@]}")" -- "$cur"))
		;;
	attach: | detach:)
		COMPREPLY=($(compgen -W "$(_vmsteer_netdevs)" -- "$cur"))
		;;
	apply:)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	esac
} && complete -F _vmsteer vmsteer
