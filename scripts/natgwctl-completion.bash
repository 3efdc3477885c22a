# bash completion for natgwctl (natgw's management client).
# shellcheck disable=SC2207  # COMPREPLY=($(compgen ...)) is the completion idiom: words never contain spaces
# Install: source this file, or copy it to /usr/share/bash-completion/completions/natgwctl.
# Object names (ports, tables, groups, prefix lists, NACLs) are asked of the
# running natgw (through the socket given with -s, if any); nothing is
# completed for them when natgw cannot be reached.

# _natgwctl_query WHAT: names from the running natgw.
_natgwctl_query()
{
	local sock=() i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		if [[ ${COMP_WORDS[i]} == -s ]]; then
			sock=(-s "${COMP_WORDS[i + 1]}")
		fi
	done
	case $1 in
	port) natgwctl "${sock[@]}" port show 2>/dev/null | awk '/^[0-9]+: /{print $2}' ;;
	table) natgwctl "${sock[@]}" route show 2>/dev/null |
		awk '{for (i = 1; i < NF; i++) if ($i == "table") print $(i + 1)}' | sort -u ;;
	sg) natgwctl "${sock[@]}" sg show 2>/dev/null | awk '/^sg /{print $2}' ;;
	pl) natgwctl "${sock[@]}" pl show 2>/dev/null | awk '/^pl /{print $2}' ;;
	nacl) natgwctl "${sock[@]}" nacl show 2>/dev/null | awk '/^nacl /{print $2}' ;;
	esac
}

_natgwctl()
{
	local cur prev words=() i obj="" sub="" n
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	# words after the options
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-s) ((i++)) ;;
		-j | -w | -h) ;;
		*) words+=("${COMP_WORDS[i]}") ;;
		esac
	done
	obj=${words[0]:-}
	sub=${words[1]:-}
	n=${#words[@]}

	if [[ $prev == -s ]]; then
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-s -j -w -h" -- "$cur"))
		return
	fi
	if ((n == 0)); then
		COMPREPLY=($(compgen -W "port neigh route nat sg pl nacl stats counters config monitor help" -- "$cur"))
		return
	fi
	case $prev in
	table) COMPREPLY=($(compgen -W "$(_natgwctl_query table)" -- "$cur")); return ;;
	dev) COMPREPLY=($(compgen -W "$(_natgwctl_query port)" -- "$cur")); return ;;
	proto) COMPREPLY=($(compgen -W "tcp udp icmp" -- "$cur")); return ;;
	esac
	case $obj in
	help) COMPREPLY=($(compgen -W "port neigh route nat sg pl nacl stats counters config monitor" -- "$cur")) ;;
	port)
		if ((n == 1)); then
			COMPREPLY=($(compgen -W "show counters help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_natgwctl_query port)" -- "$cur"))
		fi ;;
	neigh)
		if ((n == 1)); then
			COMPREPLY=($(compgen -W "show add del help" -- "$cur"))
		elif [[ $prev == lladdr ]]; then
			: # a MAC address: nothing to offer
		elif [[ $sub == add || $sub == del ]] && ((n >= 3)); then
			local kw=()
			[[ $sub == add && " ${words[*]} " != *" lladdr "* ]] && kw+=(lladdr)
			[[ " ${words[*]} " != *" dev "* ]] && kw+=(dev)
			COMPREPLY=($(compgen -W "${kw[*]}" -- "$cur"))
		fi ;;
	route)
		if ((n == 1)); then
			COMPREPLY=($(compgen -W "show add replace del help" -- "$cur"))
		elif [[ $sub == show ]]; then
			COMPREPLY=($(compgen -W "table" -- "$cur"))
		elif ((n == 2)); then
			COMPREPLY=($(compgen -W "default" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "via dev blackhole table" -- "$cur"))
		fi ;;
	nat)
		if ((n == 1)); then
			COMPREPLY=($(compgen -W "show pool timeouts forward sessions help" -- "$cur"))
		else
			case $sub in
			timeouts)
				if ((n == 2)); then
					COMPREPLY=($(compgen -W "show set" -- "$cur"))
				else
					COMPREPLY=($(compgen -W "udp tcp-established tcp-transitory tcp-syn icmp" -- "$cur"))
				fi ;;
			forward)
				if ((n == 2)); then
					COMPREPLY=($(compgen -W "show add del" -- "$cur"))
				else
					COMPREPLY=($(compgen -W "to tcp udp" -- "$cur"))
				fi ;;
			sessions) COMPREPLY=($(compgen -W "src dst sport dport proto worker limit count flush" -- "$cur")) ;;
			esac
		fi ;;
	sg)
		if ((n == 1)); then
			COMPREPLY=($(compgen -W "show rule member help" -- "$cur"))
		elif [[ $sub == show ]] || ((n == 3)); then
			COMPREPLY=($(compgen -W "$(_natgwctl_query sg)" -- "$cur"))
		elif ((n == 2)); then
			COMPREPLY=($(compgen -W "add del" -- "$cur"))
		elif [[ $sub == rule ]] && ((n == 4)); then
			COMPREPLY=($(compgen -W "ingress egress rule." -- "$cur"))
		elif [[ $sub == rule ]] && ((n == 5)); then
			COMPREPLY=($(compgen -W "tcp udp icmp all" -- "$cur"))
		elif [[ $sub == rule ]]; then
			COMPREPLY=($(compgen -W "any from to $(_natgwctl_query pl | sed 's/^/pl:/') $(_natgwctl_query sg | sed 's/^/sg:/')" -- "$cur"))
		fi ;;
	pl)
		if ((n == 1)); then
			COMPREPLY=($(compgen -W "show prefix help" -- "$cur"))
		elif [[ $sub == show ]] || ((n == 3)); then
			COMPREPLY=($(compgen -W "$(_natgwctl_query pl)" -- "$cur"))
		elif ((n == 2)); then
			COMPREPLY=($(compgen -W "add del" -- "$cur"))
		fi ;;
	nacl)
		if ((n == 1)); then
			COMPREPLY=($(compgen -W "show rule help" -- "$cur"))
		elif [[ $sub == show ]] || ((n == 3)); then
			COMPREPLY=($(compgen -W "$(_natgwctl_query nacl)" -- "$cur"))
		elif ((n == 2)); then
			COMPREPLY=($(compgen -W "add del" -- "$cur"))
		elif ((n == 4)); then
			COMPREPLY=($(compgen -W "ingress egress" -- "$cur"))
		elif ((n == 6)); then
			COMPREPLY=($(compgen -W "allow deny" -- "$cur"))
		elif ((n == 7)); then
			COMPREPLY=($(compgen -W "tcp udp icmp all" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "any from to" -- "$cur"))
		fi ;;
	stats) COMPREPLY=($(compgen -W "worker -w help" -- "$cur")) ;;
	counters) ((n == 1)) && COMPREPLY=($(compgen -W "show reset help" -- "$cur")) ;;
	config)
		if ((n == 1)); then
			COMPREPLY=($(compgen -W "dump reload help" -- "$cur"))
		elif [[ $sub == reload ]]; then
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur"))
		fi ;;
	monitor) COMPREPLY=($(compgen -W "all sessions ports route config count" -- "$cur")) ;;
	esac
}
complete -F _natgwctl natgwctl
