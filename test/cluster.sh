# cluster.sh — sourced by the test, demo, chaos and bench scripts.
#
# Builds a throwaway PostgreSQL 15 installation: a private copy of Debian's
# server tree with flowcomm installed into it (so nothing touches the system
# directories and parallel runs never see each other's build), a cluster
# initialised in a temp dir owned by the `postgres` OS user, a free port, its
# own socket dir, and the provider simulator.  PostgreSQL refuses to run as
# root, so server-side commands go through `fc_as_pg`.

FC_REPO=${FC_REPO:-$(cd "$(dirname "$0")/.." && pwd)}
FC_PGBIN_SYS=/usr/lib/postgresql/15/bin

fc_as_pg()
{
	if [ "$(id -u)" = 0 ]; then
		# The postgres OS user may not enter the current directory (a
		# checkout under /root is mode 700 on Debian): run from / unless
		# the caller is already in the throwaway tree.  Paths given are
		# absolute.
		case $PWD in
		"${FC_TMP:-/nonexistent}"*) runuser -u postgres -- "$@" ;;
		*) (cd / && runuser -u postgres -- "$@") ;;
		esac
	else
		"$@"
	fi
}

fc_free_port()
{
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# fc_setup: private tree + extension install + initdb.  Sets FC_TMP, FC_BIN,
# FC_DATA, FC_SOCK, FC_PORT, PGHOST, PGPORT.
fc_setup()
{
	FC_TMP=$(mktemp -d /tmp/flowcomm.XXXXXX)
	chmod 755 "$FC_TMP"
	mkdir -p "$FC_TMP/root/usr/lib/postgresql" "$FC_TMP/root/usr/share/postgresql" "$FC_TMP/sock" "$FC_TMP/log"
	cp -a /usr/lib/postgresql/15 "$FC_TMP/root/usr/lib/postgresql/"
	cp -a /usr/share/postgresql/15 "$FC_TMP/root/usr/share/postgresql/"
	make -C "$FC_REPO" --no-print-directory -s install DESTDIR="$FC_TMP/root" >/dev/null
	FC_BIN="$FC_TMP/root/usr/lib/postgresql/15/bin"
	FC_DATA="$FC_TMP/data"
	FC_SOCK="$FC_TMP/sock"
	FC_PORT=$(fc_free_port)
	[ "$(id -u)" = 0 ] && chown -R postgres: "$FC_TMP"
	fc_as_pg "$FC_BIN/initdb" -D "$FC_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$FC_TMP/log/initdb.log" 2>&1 ||
		{ cat "$FC_TMP/log/initdb.log"; return 1; }
	cat >>"$FC_DATA/postgresql.conf" <<CONF
port = $FC_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$FC_SOCK'
shared_preload_libraries = 'flowcomm'
max_worker_processes = 32
track_functions = all
log_min_messages = warning
log_line_prefix = '%m [%p] %b '
timezone = 'UTC'
${FC_EXTRA_CONF:-fsync = off}
CONF
	export PGHOST="$FC_SOCK" PGPORT="$FC_PORT" PGUSER=postgres
}

# fc_conf LINE: append a setting (takes effect at next start or reload).
fc_conf()
{
	echo "$1" | fc_as_pg tee -a "$FC_DATA/postgresql.conf" >/dev/null
}

# FC_SERVER_ENV: extra environment for the server processes, e.g. the
# sanitizer runtime of `make test SANITIZE=1` (LD_PRELOAD=... ASAN_OPTIONS=...).
fc_start()
{
	fc_as_pg env ${FC_SERVER_ENV:-} "$FC_BIN/pg_ctl" -D "$FC_DATA" -l "$FC_TMP/log/postgres.log" -w -t 60 start >/dev/null
}

fc_stop()
{
	fc_as_pg "$FC_BIN/pg_ctl" -D "$FC_DATA" -m "${1:-fast}" -w -t 60 stop >/dev/null 2>&1 || true
}

fc_psql()
{
	"$FC_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$FC_SOCK" -p "$FC_PORT" -U postgres "$@"
}

# fc_sim_start [ARGS]: start the provider simulator; sets FC_SIM_PORT, FC_SIM_URL.
fc_sim_start()
{
	rm -f "$FC_TMP/sim.port"
	"$FC_REPO/test/simulator/flowcomm-sim" --port 0 --port-file "$FC_TMP/sim.port" --quiet "$@" \
		>"$FC_TMP/log/sim.log" 2>&1 &
	FC_SIM_PID=$!
	i=0
	while [ ! -s "$FC_TMP/sim.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	FC_SIM_PORT=$(cat "$FC_TMP/sim.port")
	FC_SIM_URL="http://127.0.0.1:$FC_SIM_PORT"
	export FC_SIM_URL FC_SIM_PORT
}

fc_sim_stop()
{
	[ -n "${FC_SIM_PID:-}" ] && kill "$FC_SIM_PID" 2>/dev/null && wait "$FC_SIM_PID" 2>/dev/null
	FC_SIM_PID=
}

# fc_provider_conf: point the extension at the simulator (superuser-only settings).
fc_provider_conf()
{
	fc_conf "flowcomm.sendgrid_base_url = '$FC_SIM_URL'"
	fc_conf "flowcomm.twilio_base_url = '$FC_SIM_URL'"
	fc_conf "flowcomm.twilio_content_base_url = '$FC_SIM_URL'"
}

# FC_STOP_MODE: shutdown mode of the final stop (default immediate); `make
# coverage` uses fast, so every server process exits normally and writes its
# gcov data.
fc_teardown()
{
	fc_sim_stop
	[ -n "${FC_DATA:-}" ] && fc_stop "${FC_STOP_MODE:-immediate}"
	if [ -n "${FC_KEEP:-}" ]; then
		echo "kept $FC_TMP"
	elif [ -n "${FC_TMP:-}" ]; then
		rm -rf "$FC_TMP"
	fi
}
