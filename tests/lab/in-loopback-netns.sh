#!/bin/sh
# Usage: tests/lab/in-loopback-netns.sh CMD [ARG...]
#
# Runs CMD inside a fresh, private network namespace whose only interface is `lo` (up).
# Why: Chromium's WebRTC ignores loopback for ICE and gathers on every other interface, so on
# the host a "loopback" call would do ICE checks to eth0's address. In this namespace nothing
# but 127.0.0.1/::1 exists, so the only candidates are 127.0.0.1 (together with Chromium's
# --allow-loopback-in-peer-connection) and no packet can leave the machine.
#
# - Already inside (TSUNAGU_IN_NETNS=1): just exec CMD.
# - root: `unshare --net`; otherwise: `unshare -rn` (user + net namespace, needs unprivileged
#   user namespaces). If neither works this FAILS - it never falls back to the host network.
# - CMD gets TSUNAGU_IN_NETNS=1. The namespace (and everything bound in it) disappears when CMD
#   and its children exit. CMD's exit status is passed through.
set -eu

if [ "$#" -eq 0 ]; then
  echo "usage: $0 CMD [ARG...]" >&2
  exit 2
fi

if [ "${TSUNAGU_IN_NETNS:-}" = 1 ]; then
  exec "$@"
fi

if ! command -v unshare >/dev/null 2>&1; then
  echo "$0: 'unshare' (util-linux) not found; refusing to run on the host network" >&2
  exit 125
fi
IP=$(command -v ip 2>/dev/null || true)
[ -n "$IP" ] || { [ -x /usr/sbin/ip ] && IP=/usr/sbin/ip; } || { [ -x /sbin/ip ] && IP=/sbin/ip; } || true
if [ -z "$IP" ]; then
  echo "$0: 'ip' (iproute2) not found; needed to bring up lo in the namespace" >&2
  exit 125
fi

# Probe first, so that a failing CMD is never mistaken for "namespaces unavailable".
if [ "$(id -u)" = 0 ] && unshare --net -- true 2>/dev/null; then
  UNSHARE_FLAGS=--net
elif unshare -rn -- true 2>/dev/null; then
  UNSHARE_FLAGS=-rn
else
  echo "$0: cannot create a network namespace (tried 'unshare --net' as root and 'unshare -rn')." >&2
  echo "  Run as root, or enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 /" >&2
  echo "  user.max_user_namespaces>0, or a container with CAP_SYS_ADMIN). Not running on the host network." >&2
  exit 125
fi

# Inner script: bring lo up, check that lo is the only interface, then exec the real command.
# "$0" of the inner sh is the path of `ip`.
export TSUNAGU_IN_NETNS=1
exec unshare "$UNSHARE_FLAGS" -- /bin/sh -c '
  ip=$0
  "$ip" link set lo up || { echo "in-loopback-netns: could not bring up lo" >&2; exit 125; }
  others=$("$ip" -o link show | awk -F": " "\$2 != \"lo\" { print \$2 }")
  if [ -n "$others" ]; then
    echo "in-loopback-netns: unexpected interfaces in the namespace: $others" >&2
    exit 125
  fi
  exec "$@"
' "$IP" "$@"
