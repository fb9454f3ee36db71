#!/bin/sh
# install_deps.sh — install the Debian packages flowcomm builds, tests and
# demos with, when they are missing.  Run as root it installs; otherwise it
# only reports what is missing and fails.
set -e

# Everything `make test` and `make demo` use that a minimal Debian 12
# (debootstrap --variant=minbase) lacks: procps for kill/pkill/ps in the
# crash tests, perl for prove, ca-certificates for npm, nodejs/npm for the
# bench contenders (make test runs the bench smoke), mount for the
# disk-full test's tmpfs, prometheus (promtool, the alert end-to-end test) and
# prometheus-postgres-exporter for the monitoring tests.
PACKAGES="make gcc postgresql-15 postgresql-server-dev-15 libcurl4-openssl-dev libssl-dev \
postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl libmicrohttpd-dev curl jq \
python3 openssl perl procps mount ca-certificates git \
lcov cppcheck clang clang-format-14 valgrind \
prometheus prometheus-postgres-exporter"
[ -n "$FLOWCOMM_EXTRA_PACKAGES" ] && PACKAGES="$PACKAGES $FLOWCOMM_EXTRA_PACKAGES"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js and npm are wanted as commands: a machine may have them from
# elsewhere (a newer Node with its own npm), and Debian's npm would conflict.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "flowcomm: missing Debian packages:$missing (run as root, or install them)" >&2
	exit 1
fi
echo "flowcomm: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
