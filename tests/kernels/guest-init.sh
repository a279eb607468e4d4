#!/bin/sh
# guest-init.sh — /init of the test-kernels guest (mkinitramfs.sh installs it): mounts what
# provtap and the tests need, runs /kernels/guest.sh with its output on the serial console, and
# powers the machine off. A crash or a hang shows on the host as a missing summary line.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ip link set lo up
sh /kernels/guest.sh </dev/null 2>&1
sync
poweroff -f
