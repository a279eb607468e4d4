#!/bin/bash
# gen-vmlinux.sh — regenerate vmlinux/x86_64/vmlinux.h from this kernel's BTF.
# The header is checked in so builds do not depend on the build machine's kernel; CO-RE
# relocations adapt the programs to the running kernel at load time.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
btf=${1:-/sys/kernel/btf/vmlinux}
[ -r "$btf" ] || { echo "gen-vmlinux: cannot read $btf" >&2; exit 1; }
out="$here/vmlinux/x86_64/vmlinux.h"
bpftool btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
echo "gen-vmlinux: wrote $out ($(wc -l < "$out") lines) from $btf ($(uname -r))"
