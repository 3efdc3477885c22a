#!/bin/bash
# install-deps.sh: install the Debian 12 packages natgw needs to build and test
# (compiler, DPDK, libpcap, libnl, iniparser, XDP, and the lab's real clients and
# servers). Idempotent: when every package is already installed it returns at once.
# Runs `apt-get update` only when the package lists are older than a day or a
# package is unknown to apt. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
	# build
	build-essential pkg-config meson ninja-build clang libclang-rt-14-dev
	libdpdk-dev dpdk libpcap-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
	libiniparser-dev libbpf-dev libxdp-dev python3 python3-pyelftools
	# lab and system tests
	python3-scapy iproute2 iputils-ping iputils-tracepath traceroute tcpdump
	tshark nginx-light curl iperf3 netcat-openbsd socat ethtool dnsutils
	procps psmisc jq gnuplot-nox shellcheck
	# NAT system tests: the kernel reference (nftables masquerade) and a DNS server
	nftables dnsmasq-base
)

export DEBIAN_FRONTEND=noninteractive

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	SUDO=(sudo -E)
fi

# missing: print the packages of PACKAGES that are not installed.
missing() {
	local p st
	for p in "${PACKAGES[@]}"; do
		st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
		case "$st" in
		ii*) ;;
		*) echo "$p" ;;
		esac
	done
}

mapfile -t todo < <(missing)
if [ "${#todo[@]}" -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages installed"
	exit 0
fi
echo "install-deps: installing: ${todo[*]}"

# lists_stale: true when apt lists are missing or older than one day.
lists_stale() {
	local newest
	newest=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -n1)
	[ -z "$newest" ]
}

# unknown: true when some wanted package has no install candidate.
unknown() {
	local p cand
	for p in "${todo[@]}"; do
		cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
		if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
			return 0
		fi
	done
	return 1
}

if lists_stale || unknown; then
	"${SUDO[@]}" apt-get update -q
fi

# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	"${SUDO[@]}" debconf-set-selections 2>/dev/null || true

"${SUDO[@]}" apt-get install -y -q --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${todo[@]}" </dev/null

mapfile -t still < <(missing)
if [ "${#still[@]}" -ne 0 ]; then
	echo "install-deps: still missing: ${still[*]}" >&2
	exit 1
fi
echo "install-deps: done"
