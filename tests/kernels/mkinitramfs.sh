#!/bin/bash
# mkinitramfs.sh — the guest's initramfs for `make test-kernels`: busybox-static as the shell,
# the project's binaries with their shared libraries and the dynamic loader, iproute2's ip and
# nft with theirs, the kernel modules the guest run needs (with their dependencies, from the
# kernel's own module tree), the guest scripts, and the variant table.
#
# usage: tests/kernels/mkinitramfs.sh OUT.cpio.gz KMODS BUILD VARIANTS_LIST [TREE]
#   KMODS  the guest kernel's module tree (.../lib/modules/VERSION), or - for none (a kernel
#          with every driver the run needs built in)
#   BUILD  the build output: BUILD/provtap, BUILD/tests/bpf_test_*, BUILD/kernels/ptgen
#   VARIANTS_LIST  the loader's variant table, "NAME HOOK" per line (run.sh extracts it from
#          loader/features.c); the guest's variants.sh forces each
#   TREE   the directory to assemble in (default: OUT.d); removed when done
# Modules: each one in GUEST_MODULES is found in KMODS/kernel (or is built in, per
# KMODS/modules.builtin); its dependencies come from the module's own "depends=" .modinfo
# entry (the unpacked package has no modules.dep: depmod runs at install time), resolved
# recursively; .ko.xz/.ko.zst/.ko.gz are decompressed here, so busybox insmod needs no
# decompressor. The guest loads them in the order of /lib/modules/load.list.
# Exits 1 with a message naming what is missing (a module, a library, a tool).
set -euo pipefail

# What the guest run uses: veth pairs, nftables (forward-hook drop rule with numgen), tc clsact
# (sch_ingress) and its BPF classifier (cls_bpf). crc32c_generic is libcrc32c's (nf_tables')
# soft dependency ("softdep=pre: crc32c", an alias): insmod does not follow soft dependencies,
# and resolving an alias needs the modules.alias that the package does not ship.
GUEST_MODULES=(veth crc32c_generic nf_tables nft_numgen sch_ingress cls_bpf)

[ $# -ge 4 ] || { sed -n '7,13s/^# \{0,1\}//p' "$0" >&2; exit 2; }
out=$1 kmods=$2 build=$3 variants=$4 tree=${5:-$1.d}
here=$(cd "$(dirname "$0")" && pwd)

die() { echo "mkinitramfs: $*" >&2; exit 1; }

[ "$kmods" = - ] || [ -d "$kmods/kernel" ] || die "no module tree at $kmods (expected $kmods/kernel/)"
[ -x /bin/busybox ] && busybox --list 2>/dev/null | grep -x insmod >/dev/null || die "needs busybox-static (scripts/setup.sh)"
ldd /bin/busybox >/dev/null 2>&1 && die "/bin/busybox is dynamically linked: install busybox-static"
for t in ip nft gzip; do command -v $t >/dev/null || die "missing tool: $t (scripts/setup.sh)"; done
bins=("$build/provtap" "$build"/tests/bpf_test_* "$build/kernels/ptgen")
for b in "${bins[@]}"; do [ -x "$b" ] || die "missing $b (make OUTPUT=$build test-kernels builds it)"; done

rm -rf "$tree"
mkdir -p "$tree"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,root,provtap/tests,kernels,lib/modules}
mkdir -p "$tree/var" && ln -s ../run "$tree/var/run"

# busybox and its applets (not those a real tool below provides)
cp /bin/busybox "$tree/bin/busybox"
for a in $(busybox --list); do
	case "$a" in ip | nft | busybox) continue ;; esac
	ln -sf busybox "$tree/bin/$a"
done

# copy_with_libs BIN DEST: BIN to DEST in the tree, and every library ldd lists at its own path.
copy_with_libs() {
	local bin=$1 dest=$2 lib
	install -D -m 0755 "$bin" "$tree$dest"
	{ ldd "$bin" 2>/dev/null || true; } | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(0x/ { print $1 }' |
		while read -r lib; do
			[ -e "$tree$lib" ] && continue
			[ -f "$lib" ] || die "library $lib of $bin not found"
			mkdir -p "$tree$(dirname "$lib")"
			cp -L "$lib" "$tree$lib"
		done
}
copy_with_libs "$build/provtap" /provtap/provtap
for b in "$build"/tests/bpf_test_*; do copy_with_libs "$b" "/provtap/tests/$(basename "$b")"; done
copy_with_libs "$build/kernels/ptgen" /provtap/ptgen
copy_with_libs "$(command -v ip)" /sbin/ip
copy_with_libs "$(command -v nft)" /usr/sbin/nft
[ -f "$tree/lib64/ld-linux-x86-64.so.2" ] || die "the dynamic loader was not copied (ldd output unexpected)"

# guest scripts, and the variant table
install -m 0755 "$here/guest-init.sh" "$tree/init"
install -m 0755 "$here/guest.sh" "$here/variants.sh" "$here/lib.sh" "$tree/kernels/"
[ -s "$variants" ] || die "no variant table in $variants"
cp "$variants" "$tree/kernels/variants.list"
echo "root:x:0:0:root:/root:/bin/sh" >"$tree/etc/passwd"
echo "root:x:0:" >"$tree/etc/group"

# modules: find, resolve dependencies (depth first: dependencies before dependants), decompress
declare -A seen=()
order=()
modfile() {	# the .ko[.xz|.zst|.gz] of module $1 ('-' and '_' are the same), or ""
	local pat=${1//[-_]/[-_]}
	find "$kmods/kernel" \( -name "$pat.ko" -o -name "$pat.ko.xz" -o -name "$pat.ko.zst" -o -name "$pat.ko.gz" \) \
		-print -quit
}
builtin() { [ -f "$kmods/modules.builtin" ] && grep -qE "/${1//[-_]/[-_]}\.ko$" "$kmods/modules.builtin"; }
decompress() {	# FILE: its bytes on stdout
	case "$1" in
	*.xz) xz -dc "$1" ;; *.zst) zstd -qdc "$1" ;; *.gz) gzip -dc "$1" ;; *) cat "$1" ;;
	esac
}
add_module() {
	local m=$1 f dep deps
	[ -z "${seen[$m]:-}" ] || return 0
	seen[$m]=1
	f=$(modfile "$m")
	if [ -z "$f" ]; then
		builtin "$m" && return 0
		die "module $m is neither in $kmods/kernel nor built in"
	fi
	decompress "$f" >"$tree/lib/modules/$m.ko" || die "cannot decompress $f"
	deps=$(tr '\0' '\n' <"$tree/lib/modules/$m.ko" | sed -n 's/^depends=//p' | head -1)
	for dep in ${deps//,/ }; do add_module "$dep"; done
	order+=("$m")
}
[ "$kmods" = - ] || for m in "${GUEST_MODULES[@]}"; do add_module "$m"; done
printf '%s\n' "${order[@]}" >"$tree/lib/modules/load.list"

(cd "$tree" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$out"
echo "mkinitramfs: $out ($(du -h "$out" | cut -f1); modules: ${order[*]:-none, all built in})" >&2
rm -rf "$tree"
