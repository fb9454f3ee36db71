#!/bin/sh
# bench/fairness/run.sh — noisy neighbours (issue 16), measured.
#
# 1. Latency under a neighbour's backlog: a throwaway cluster and simulator,
#    the platform's shared (default) Twilio account limited to RATE SMS/s.
#    Business C queues N urgent SMS with one send_bulk (its urgent allowance
#    raised by the platform admin); once C drains at the account's rate,
#    business D sends PROBES single invoices (flowcomm.send), GAP s apart.
#    For each, the time from D's send call (before psql starts, so it
#    includes the client's start and the commit: an upper bound) to the
#    simulator's arrival timestamp, and from just after the commit; the bound
#    is one token interval (1/RATE) plus 1 s.
# 2. The cost of fairness on the plain drain: bench/drain/run.sh (DRAIN_N
#    messages over 100 businesses, rate limits off) on this tree and on the
#    0.2.0 tree (git archive of BASE, built in a temporary directory), one
#    after the other on the same machine; messages/s of each.
#
#   sh bench/fairness/run.sh            # N=100000 RATE=100 PROBES=10 DRAIN_N=100000
#   env: N, RATE, PROBES, GAP, DRAIN_N, BASE (0.2.0 commit), SKIP_DRAIN=1
set -eu
N=${N:-100000}
RATE=${RATE:-100}
PROBES=${PROBES:-10}
GAP=${GAP:-2}
DRAIN_N=${DRAIN_N:-100000}
BASE=${BASE:-9b29f53}
FC_REPO=$(cd "$(dirname "$0")/../.." && pwd)

latency()
{
	FC_EXTRA_CONF="shared_buffers = 1GB
fsync = on
synchronous_commit = on"
	. "$FC_REPO/test/cluster.sh"
	trap 'fc_teardown' EXIT INT TERM
	fc_setup
	fc_sim_start
	fc_provider_conf
	fc_conf "flowcomm.databases = 'flowcomm_fair'"
	fc_conf "flowcomm.workers_per_database = 2"
	fc_start
	fc_psql -d postgres -c "CREATE DATABASE flowcomm_fair" >/dev/null
	C=00000000-0000-4000-8000-00000000000c
	D=00000000-0000-4000-8000-00000000000d
	fc_psql -d flowcomm_fair -q >/dev/null <<SQL
CREATE EXTENSION flowcomm;
INSERT INTO flowcomm.default_provider_account (provider, twilio_account_sid, twilio_auth_token, sms_from, rate_limits)
VALUES ('twilio', 'AC0123456789abcdef0123456789abcdef', 'bench-token', '+15005550006',
        '{"sms": {"rate": $RATE, "burst": $RATE}}');
SELECT flowcomm.set_business_limits('$C', NULL, NULL, $N);
SET flowcomm.business_id = '$C';
SELECT flowcomm.send_bulk((SELECT jsonb_agg(jsonb_build_object('channel', 'sms', 'type', 'general',
         'recipientContact', '+1555' || lpad(g::text, 7, '0'), 'content', 'Promo ' || g, 'priority', 'urgent'))
    FROM generate_series(1, $N) g));
SQL
	echo "C queued $N urgent SMS on the shared account (rate $RATE/s, burst $RATE)"
	sleep 5
	i=1
	while [ "$i" -le "$PROBES" ]; do
		t0=$(python3 -c 'import time; print(int(time.time() * 1e6))')
		# each -c commits on its own: the last one reads the clock just after the send's commit
		tc=$(fc_psql -d flowcomm_fair -Atq -c "SET flowcomm.business_id = '$D'" -c "SELECT flowcomm.send('{\"channel\": \"sms\",
			\"type\": \"invoice\", \"recipientContact\": \"+1666000000$i\", \"content\": \"Invoice $i is ready\"}') IS NOT NULL" \
			-c "SELECT (extract(epoch FROM clock_timestamp()) * 1e6)::bigint" | tail -1)
		echo "$i $t0 $tc" >>"$FC_TMP/probes"
		sleep "$GAP"
		i=$((i + 1))
	done
	sleep 3
	curl -s "$FC_SIM_URL/_sim/requests?since=0&limit=10000000" >"$FC_TMP/req.json"
	C_SENT=$(fc_psql -d flowcomm_fair -Atc "SELECT count(*) FROM flowcomm.communication WHERE business_id = '$C' AND status = 'sent'")
	python3 - "$FC_TMP/req.json" "$FC_TMP/probes" "$RATE" "$C_SENT" "$N" <<'PY'
import json, sys
reqs = json.load(open(sys.argv[1]))
rate = float(sys.argv[3])
arr = {}
for r in reqs:
    if r['provider'] == 'twilio' and '%2B1666000000' in r['body']:
        k = r['body'].split('%2B1666000000')[1].split('&')[0]
        arr.setdefault(k, r['ts_us'])
waits = []
after = []
for line in open(sys.argv[2]):
    i, t0, tc = line.split()
    waits.append((arr[i] - int(t0)) / 1e6 if i in arr else float('inf'))
    after.append((arr[i] - int(tc)) / 1e6 if i in arr else float('inf'))
c = sorted(r['ts_us'] for r in reqs if r['provider'] == 'twilio' and '%2B1555' in r['body'])
c = [x for x in c if x >= c[0] + 2e6] if c else c  # after the first burst
crate = (len(c) - 1) / ((c[-1] - c[0]) / 1e6) if len(c) > 1 else 0
bound = 1 / rate + 1
ws = sorted(waits)
print("fairness: D's invoice commit -> provider arrival over %d probes: median %.3f s, max %.3f s (bound 1/rate + 1 s = %.2f s): %s"
      % (len(ws), ws[len(ws) // 2], ws[-1], bound, 'met' if ws[-1] <= bound else 'MISSED'))
print("fairness: each probe (s, from the send call, psql start included): " + " ".join("%.3f" % w for w in waits))
print("fairness: each probe (s, from just after its commit; negative: sent before psql read the clock): "
      + " ".join("%.3f" % w for w in after))
print("fairness: C sent %s of %s meanwhile, shared account at %.1f/s (limit %.0f/s)" % (sys.argv[4], sys.argv[5], crate, rate))
PY
	fc_teardown
	trap - EXIT INT TERM
}

drain_rate() { sh "$1/bench/drain/run.sh" "$DRAIN_N" 2 2>&1 | sed -n 's/^drain: .* = \([0-9]*\) messages\/s.*/\1/p'; }

latency
if [ "${SKIP_DRAIN:-0}" != 1 ]; then
	OLD=$(mktemp -d /tmp/flowcomm-base.XXXXXX)
	git -C "$FC_REPO" archive "$BASE" | tar -x -C "$OLD"
	make -C "$OLD" -s all simulator >/dev/null
	NEW_RATE=$(drain_rate "$FC_REPO")
	OLD_RATE=$(drain_rate "$OLD")
	NEW_RATE2=$(drain_rate "$FC_REPO")
	OLD_RATE2=$(drain_rate "$OLD")
	rm -rf "$OLD"
	echo "drain ($DRAIN_N messages, 100 businesses, 2 workers, rate limits off): 0.2.0 $OLD_RATE, $OLD_RATE2 msg/s; fair claim $NEW_RATE, $NEW_RATE2 msg/s"
fi
