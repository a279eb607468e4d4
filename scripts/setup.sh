#!/bin/bash
# setup.sh — install exactly what provtap needs to build, test and demo on Debian 12,
# and mount bpffs/tracefs when they are missing. Idempotent; quiet when nothing is to do.
# Usage: scripts/setup.sh [--bench | --kernels]
#   --bench    adds the peers make bench compares against
#   --kernels  adds what make test-kernels boots a second kernel with (qemu, a static busybox for
#              the guest, the module decompressors)
set -euo pipefail

PKGS=(
	make gcc clang llvm pkg-config          # build: clang for BPF, llvm-strip
	libbpf-dev bpftool libelf-dev libdeflate-dev libpcap-dev libcap-dev
	check                                    # unit tests
	iproute2 nftables iputils-ping python3   # testbeds and integration tests
	socat                                    # integration: unix-socket probes
	iperf3                                   # integration: throughput vs iperf3's receiver report
	tshark                                   # integration: check pcapng output
	libnetfilter-queue-dev libmnl-dev        # tools/: the NFQUEUE delay injector
	iptables                                 # NFQUEUE target (this kernel has no nft queue)
	haproxy                                  # integration: the L4 middlebox testbed
	graphviz python3-jsonschema              # integration: why/impact DOT renders, JSON schema
	curl                                     # integration: record/replay of a real client
)
case "${1:-}" in
--bench) PKGS+=(tcpdump strace sqlite3 hyperfine redis-tools) ;;
--kernels) PKGS+=(qemu-system-x86 busybox-static xz-utils zstd) ;;
esac

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: need root to install: ${missing[*]}" >&2
		exit 1
	fi
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer no, non-interactively.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$(id -u)" = 0 ]; then
	if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != "bpf_fs" ]; then
		mount -t bpf bpf /sys/fs/bpf
	fi
	if [ ! -d /sys/kernel/tracing/events ] || [ -z "$(ls -A /sys/kernel/tracing/events 2>/dev/null)" ]; then
		mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
	fi
fi
exit 0
