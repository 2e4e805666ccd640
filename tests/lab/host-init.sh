#!/bin/bash
# PID 1 of one managed host. Started by up through
#   unshare --mount --uts --ipc --pid [--net] --fork --kill-child --propagation private
# Env in: H_NAME H_DIR H_PORT H_SYSCTL H_NET H_IP H_GW H_LOWER SNAP
# Builds an overlay copy of / at $H_DIR/merged, private /proc /sys /dev /run /tmp,
# pivots into it and runs sshd in the foreground (pid 1 = this script, reaps orphans).
set -euo pipefail
M=$H_DIR/merged
say() { echo "[init $H_NAME] $*"; }

mount -t overlay overlay -o "lowerdir=${H_LOWER:-/},upperdir=$H_DIR/upper,workdir=$H_DIR/work" "$M"
mount -t proc -o nosuid,nodev,noexec proc "$M/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$M/sys"
mount -t tmpfs -o mode=1777,nosuid,nodev,size=512m tmpfs "$M/tmp"
mount -t tmpfs -o mode=755,nosuid,nodev,size=64m tmpfs "$M/run"
mkdir -p "$M/run/sshd" "$M/run/lock"; chmod 1777 "$M/run/lock"
# minimal /dev
mount -t tmpfs -o mode=755,nosuid,size=64k tmpfs "$M/dev"
for n in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do
  set -- $n; mknod -m 666 "$M/dev/$1" c "$2" "$3"
done
mkdir -p "$M/dev/pts" "$M/dev/shm" "$M/dev/mqueue"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5,nosuid,noexec devpts "$M/dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$M/dev/shm"
mount -t mqueue -o nosuid,nodev,noexec mqueue "$M/dev/mqueue"
ln -s pts/ptmx "$M/dev/ptmx"; ln -s /proc/self/fd "$M/dev/fd"
ln -s /proc/self/fd/0 "$M/dev/stdin"; ln -s /proc/self/fd/1 "$M/dev/stdout"; ln -s /proc/self/fd/2 "$M/dev/stderr"

# --- /proc/sys policy -------------------------------------------------------
# Entries that are really per-namespace (safe to expose read-write) or dynamic.
NS_SYSCTLS="kernel/hostname kernel/domainname kernel/ns_last_pid
 kernel/shmmax kernel/shmall kernel/shmmni kernel/shm_rmid_forced kernel/msgmax kernel/msgmni
 kernel/msgmnb kernel/sem kernel/msg_next_id kernel/sem_next_id kernel/shm_next_id fs/mqueue"
DYN_SYSCTLS="kernel/random fs/file-nr fs/inode-nr fs/inode-state fs/dentry-state"
[[ $H_NET == netns ]] && NS_SYSCTLS="$NS_SYSCTLS net"
passthrough() {  # bind the real (namespace-aware) entries over the fake/ro tree
  local e
  for e in $NS_SYSCTLS $DYN_SYSCTLS; do
    [[ -e /proc/sys/$e && -e $M/proc/sys/$e ]] || continue
    mount --bind "/proc/sys/$e" "$M/proc/sys/$e"
  done
}
case $H_SYSCTL in
  host) : ;;                                   # real, global /proc/sys (writes hit the real kernel!)
  ro)   mount --bind "$M/proc/sys" "$M/proc/sys"
        mount -o remount,bind,ro "$M/proc/sys"
        passthrough ;;
  fake) # per-host writable copy-on-write view of a snapshot of the real values:
        # upper = small private tmpfs (only visible in this mount ns), middle = shared snapshot (ext4),
        # lowest = tmpfs skeleton holding only the directories. The skeleton makes every dir a merged
        # dir whose readdir starts with "." and ".." (overlayfs lists the lowest layer first; ext4's
        # hash order does not start with them, and procps `sysctl -a` blindly skips the first two
        # entries and then recurses into "." / ".." forever).
        T=$H_DIR/sysctl; mkdir -p "$T"
        mount -t tmpfs -o mode=700,size=16m sysctl-upper "$T"
        mkdir -p "$T/upper" "$T/work" "$T/skel"
        (cd "$SNAP" && find . -mindepth 1 -type d -print0) | (cd "$T/skel" && xargs -0 mkdir -p)
        find "$T/skel" -type d -exec chmod 555 {} +
        mount -t overlay sysctl -o "lowerdir=$SNAP:$T/skel,upperdir=$T/upper,workdir=$T/work" "$M/proc/sys"
        passthrough ;;
  *) say "bad SYSCTL_MODE $H_SYSCTL"; exit 2 ;;
esac

hostname "$H_NAME"

if [[ $H_NET == netns ]]; then
  ip link set lo up
  for _ in $(seq 100); do ip link show eth0 >/dev/null 2>&1 && break; sleep 0.05; done
  ip link show eth0 >/dev/null 2>&1 || { say "eth0 never appeared"; exit 3; }
  ip addr add "$H_IP/16" dev eth0
  ip link set eth0 up
  # deliberately no default route: the host can only reach the lab subnet (nothing leaves the machine)
fi

cd "$M"
pivot_root . .
umount -l .
cd /

sshd_pid=
trap 'say "stopping"; [[ -n $sshd_pid ]] && kill -TERM $sshd_pid 2>/dev/null; wait $sshd_pid 2>/dev/null; exit 0' TERM INT
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  /usr/sbin/sshd -D -e </dev/null &
sshd_pid=$!
say "sshd started (ns pid $sshd_pid)"
# PID 1 duty: wait for sshd; bash reaps re-parented orphans via its SIGCHLD handler meanwhile.
while kill -0 "$sshd_pid" 2>/dev/null; do wait "$sshd_pid" || true; done
say "sshd exited"
