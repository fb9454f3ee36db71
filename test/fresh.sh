#!/bin/sh
# fresh.sh — `make test-fresh`: the README's two commands on a minimal
# Debian 12, exactly as a new user runs them.
#
# A throwaway root made by `debootstrap --variant=minbase bookworm` (the
# pristine root is cached as a tarball between runs on one machine), a
# clean clone of HEAD under "/root/src dir/flowcomm" (a checkout under
# /root, mode 700 there, in a path with a space) with ../shared beside it,
# only `make`, `git` and psql (postgresql-client-15) installed, then `make demo` and `make test`.  It
# runs in a private mount namespace, so every mount it makes (proc, sys,
# dev, and the tmpfs of the disk-full test) goes away with it whatever
# happens; the root itself is removed on exit.  A missing install step in
# test/install_deps.sh fails here, which is why .ci/run runs it.
set -u
FC_REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${FC_FRESH_CACHE:-/var/cache/flowcomm}
TARBALL="$CACHE/bookworm-minbase.tar"
MIRROR=${FC_FRESH_MIRROR:-http://deb.debian.org/debian}
SRC='/root/src dir'

say() { echo "test-fresh: $*"; }
cannot() { say "cannot run: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || cannot "it must run as root (debootstrap, chroot and mounts need it)"
for tool in unshare chroot tar git; do
	command -v "$tool" >/dev/null 2>&1 || cannot "$tool is not installed"
done
if ! command -v debootstrap >/dev/null 2>&1; then
	say "installing debootstrap"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } >/dev/null 2>&1 ||
		cannot "debootstrap is not installed and apt-get could not install it"
fi
unshare -m true 2>/dev/null || cannot "no mount namespace (unshare -m failed: run outside a restricted container)"

# The pristine root, once per machine.
mkdir -p "$CACHE"
if [ ! -s "$TARBALL" ]; then
	say "building a minimal Debian 12 root with debootstrap (cached in $TARBALL)"
	build=$(mktemp -d "$CACHE/build.XXXXXX")
	if ! debootstrap --variant=minbase bookworm "$build/root" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1; then
		tail -20 "$CACHE/debootstrap.log" >&2
		rm -rf "$build"
		cannot "debootstrap failed (log: $CACHE/debootstrap.log)"
	fi
	tar -C "$build/root" -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
	rm -rf "$build"
fi

ROOT=$(mktemp -d /var/tmp/flowcomm-fresh.XXXXXX)
cleanup() { rm -rf "$ROOT"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
tar -C "$ROOT" -xf "$TARBALL" || cannot "could not unpack $TARBALL"

# The same archive as this machine: release, updates, security.
cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
# The network's own certificate authorities (an egress proxy's, installed on
# this machine as local CAs) belong to the machine, not to the project: the
# fresh root trusts them too, so that npm reaches its registry.  Debian's
# ca-certificates, when the README's commands install it, adds them.
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
	mkdir -p "$ROOT/usr/local/share/ca-certificates"
	cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
fi
# Packages must not start services in the chroot (postgresql-15 would start
# a cluster on 5432); the tests start their own.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"

mkdir -p "$ROOT$SRC"
chmod 700 "$ROOT/root"
git clone -q "$FC_REPO" "$ROOT$SRC/flowcomm" || cannot "git clone of $FC_REPO failed"
if [ -d "$FC_REPO/../shared" ]; then
	cp -a "$FC_REPO/../shared" "$ROOT$SRC/shared"
	chmod -R u+w "$ROOT$SRC/shared"
fi
say "root $ROOT, checkout $SRC/flowcomm (commit $(git -C "$FC_REPO" rev-parse --short HEAD))"

# Inside: only make, git and psql, then the README's two commands as written.
cat >"$ROOT/fresh-run.sh" <<'EOF'
set -e
export DEBIAN_FRONTEND=noninteractive HOME=/root LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
apt-get update -qq
# psql too: machines often have it, and Debian's postgresql-client-15 ships
# pgxs.mk without the server headers, the state the Makefile's bootstrap
# once mistook for a complete PGXS.
apt-get install -y -qq make git postgresql-client-15 >/dev/null
cd "/root/src dir/flowcomm"
echo "test-fresh: \$ make demo"
make demo
echo "test-fresh: \$ make test"
make test
EOF
start=$(date +%s)
unshare -m --propagation private sh -c '
	set -e
	R=$1
	mount -t proc proc "$R/proc"
	mount -t sysfs sysfs "$R/sys"
	mount --rbind /dev "$R/dev"
	mount --make-rslave "$R/dev"
	exec chroot "$R" /usr/bin/env -i /bin/sh /fresh-run.sh
' fresh "$ROOT" 2>&1 | tee "$CACHE/last-run.log"
rc=$(tail -1 "$CACHE/last-run.log" | grep -qE '^[0-9]+ passed, 0 failed$' && echo 0 || echo 1)
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$CACHE/last-run.log" | tail -1)
say "fresh Debian 12 root: ${line:-no pass/fail line (make demo or make test did not finish)} in $(($(date +%s) - start)) s"
exit "$rc"
