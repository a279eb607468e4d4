#!/bin/bash
# fetch-kernel.sh — Debian's current 6.1 kernel package for the guest run of `make test-kernels`.
#
# usage: tests/kernels/fetch-kernel.sh CACHE_DIR WORK_DIR
#   Resolves the linux-image-*-amd64 package that `linux-image-amd64` depends on, downloads it
#   with `apt-get download` into CACHE_DIR (kept: a rerun with the same package downloads
#   nothing; older packages there are removed), unpacks it with `dpkg-deb -x` into WORK_DIR
#   (the caller removes WORK_DIR), and prints two shell assignments on stdout:
#     KERNEL=WORK_DIR/boot/vmlinuz-VERSION
#     KMODS=WORK_DIR/lib/modules/VERSION
#   When apt cannot resolve or fetch (no network, stale lists even after `apt-get update`), the
#   newest package already in CACHE_DIR is used, with a note on stderr; with none there, it
#   fails (exit 1) saying why. Messages go to stderr.
set -euo pipefail

[ $# -eq 2 ] || { sed -n '4,5s/^# \{0,1\}//p' "$0" >&2; exit 2; }
cache=$1 work=$2
mkdir -p "$cache" "$work"

# The versioned package linux-image-amd64 depends on, e.g. linux-image-6.1.0-56-amd64 ("" if unknown).
resolve() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ { print $2; exit }'
}

# download PKG: into $cache unless a .deb of PKG's candidate version is there. 0 on success.
download() {
	local pkg=$1 ver deb
	ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || return 1
	# dpkg file names escape ':' in epochs as %3a
	deb="$cache/${pkg}_${ver//:/%3a}_amd64.deb"
	if [ -s "$deb" ]; then
		echo "kernels: using cached $deb" >&2
		return 0
	fi
	echo "kernels: downloading $pkg $ver into $cache" >&2
	# run as root: the _apt sandbox user may not be able to write into the cache dir
	(cd "$cache" && apt-get -q -o APT::Sandbox::User=root download "$pkg=$ver" >&2)
}

pkg=$(resolve)
if [ -z "$pkg" ] || ! download "$pkg"; then
	echo "kernels: apt cannot resolve or fetch the kernel package yet; running apt-get update" >&2
	apt-get update -qq >&2 || echo "kernels: apt-get update failed" >&2
	pkg=$(resolve)
	if [ -z "$pkg" ] || ! download "$pkg"; then
		pkg=""
	fi
fi
if [ -n "$pkg" ]; then
	deb=$(ls -t "$cache/${pkg}"_*_amd64.deb | head -1)
	# older kernel packages in the cache are superseded: keep the cache at one package
	find "$cache" -maxdepth 1 -name 'linux-image-*.deb' ! -name "$(basename "$deb")" -print -delete |
		sed 's/^/kernels: removed superseded /' >&2
else
	deb=$(ls -t "$cache"/linux-image-*-amd64_*_amd64.deb 2>/dev/null | head -1 || true)
	[ -n "$deb" ] || { echo "kernels: no kernel package from apt and none cached in $cache" >&2; exit 1; }
	echo "kernels: apt failed; using the newest cached package $deb" >&2
fi

echo "kernels: unpacking $(basename "$deb") into $work" >&2
dpkg-deb -x "$deb" "$work"
kernel=$(ls "$work"/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$kernel" ] || { echo "kernels: $deb has no boot/vmlinuz-*" >&2; exit 1; }
ver=${kernel##*/vmlinuz-}
[ -d "$work/lib/modules/$ver" ] || { echo "kernels: $deb has no lib/modules/$ver" >&2; exit 1; }
echo "KERNEL=$kernel"
echo "KMODS=$work/lib/modules/$ver"
