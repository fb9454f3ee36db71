#!/usr/bin/env node
// report.js DIR — turns DIR/results.jsonl (one JSON object per measurement,
// written by run.sh) into DIR/results.csv, the markdown summary on stdout
// (medians over the repetitions), and the plot data DIR/tput.*.dat and
// DIR/cpu.dat used by plot.gnuplot.  No dependencies.
'use strict';
const fs = require('fs');
const dir = process.argv[2];
const rows = fs.readFileSync(`${dir}/results.jsonl`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

// ---- CSV: every measurement, flat
const cols = ['scenario', 'rep', 'contender', 'config', 'mode', 'size', 'conns', 'n', 'done', 'capped', 'seconds', 'rate',
	'busy_cpu_s', 'busy_cpu_per_1k', 'sim_cpu_s', 'sim_cpu_per_1k', 'self_cpu_s', 'in_flight_avg', 'in_flight_max', 'rss_kb_min', 'rss_kb_max', 'rss_anon_kb_min', 'rss_anon_kb_max',
	'arrive_p50_ms', 'arrive_p95_ms', 'arrive_p99_ms', 'sent_p50_ms', 'sent_p95_ms', 'sent_p99_ms',
	'history_page_ms', 'history_contact_ms', 'history_first_page_ms', 'stats_month_ms', 'history_page_cold_ms', 'history_first_page_cold_ms', 'stats_month_cold_ms', 'table_bytes_per_msg', 'index_bytes_per_msg', 'rows',
	'wal_bytes', 'index_entries', 'wal_n', 'wal_per_msg', 'ix_per_msg'];
for (const r of rows) {
	const n = r.done ?? r.n;
	if (r.busy_cpu_s !== undefined && n) r.busy_cpu_per_1k = (r.busy_cpu_s / n) * 1000;
	if (r.sim_cpu_s !== undefined && n) r.sim_cpu_per_1k = (r.sim_cpu_s / n) * 1000;
	// write counters (bench/walsnap.sql) per message of the measured window
	const wn = r.wal_n ?? n;
	if (r.wal_bytes !== undefined && wn) r.wal_per_msg = r.wal_bytes / wn;
	if (r.index_entries !== undefined && wn) r.ix_per_msg = r.index_entries / wn;
}
fs.writeFileSync(`${dir}/results.csv`, cols.join(',') + '\n' +
	rows.map((r) => cols.map((c) => (r[c] === undefined ? '' : typeof r[c] === 'number' ? +r[c].toPrecision(6) : r[c])).join(',')).join('\n') + '\n');

// ---- medians per group
const median = (a) => { a = a.filter((x) => typeof x === 'number' && isFinite(x)).sort((x, y) => x - y); return a.length ? a[(a.length - 1) >> 1] : undefined; };
const key = (r) => [r.scenario, r.contender, r.config || '', r.mode, r.conns || '', r.size || ''].join('|');
const groups = new Map();
for (const r of rows) { const k = key(r); if (!groups.has(k)) groups.set(k, []); groups.get(k).push(r); }
const med = (g, f) => median(g.map((r) => r[f]));
const fmt = (x, d = 0) => (x === undefined ? '–' : Number(x).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const name = (r) => (r.contender === 'flowcomm' ? (r.config === 'async' ? 'flowcomm async commits (opt-in)' : 'flowcomm') : `${r.contender === 'pgboss' ? 'pg-boss' : 'graphile-worker'} ${r.config || ''}`.trim());
const walCells = (g) => [fmt(med(g, 'wal_per_msg')), fmt(med(g, 'ix_per_msg'), 1)];

const out = [];
const table = (title, header, lines) => {
	if (!lines.length) return;
	out.push(`\n### ${title}\n`, '| ' + header.join(' | ') + ' |', '|' + header.map(() => '---').join('|') + '|', ...lines.map((l) => '| ' + l.join(' | ') + ' |'));
};

// drain / slow
for (const sc of ['drain', 'slow']) {
	const gs = [...groups.values()].filter((g) => g[0].scenario === sc && g[0].mode === 'drain');
	if (!gs.length) continue;
	const best = Math.max(...gs.filter((g) => g[0].contender !== 'flowcomm' && g[0].config === 'tuned').map((g) => med(g, 'rate') || 0));
	const bestG = gs.find((g) => g[0].contender !== 'flowcomm' && g[0].config === 'tuned' && med(g, 'rate') === best);
	const bestCpu = bestG ? med(bestG, 'busy_cpu_per_1k') : undefined;
	table(sc === 'drain' ? 'Drain (queue preloaded, simulator answers at once)' : 'Slow provider (every answer delayed 50 ms)',
		['contender', 'messages', 'msg/s (median)', 'runs (msg/s)', 'vs best tuned', 'busy CPU s / 1k msg', 'CPU vs best tuned', 'simulator CPU s / 1k', 'in flight avg / max', 'WAL B / msg', 'index entries / msg', 'note'],
		gs.map((g) => {
			const r = g[0];
			const rate = med(g, 'rate');
			const cpu = med(g, 'busy_cpu_per_1k');
			return [name(r), fmt(med(g, 'done')), fmt(rate), g.map((x) => fmt(x.rate)).join(' / '),
				best ? (rate / best).toFixed(2) + '×' : '–', fmt(cpu, 3), bestCpu ? (cpu / bestCpu).toFixed(2) + '×' : '–',
				fmt(med(g, 'sim_cpu_per_1k'), 3), `${fmt(med(g, 'in_flight_avg'))} / ${fmt(med(g, 'in_flight_max'))}`, ...walCells(g),
				(g.some((x) => x.capped) ? `subset, capped at ${fmt(med(g, 'seconds'))} s` : '') +
				(r.rss_kb_max ? ` worker RSS ${fmt(med(g, 'rss_kb_min') / 1024)}–${fmt(med(g, 'rss_kb_max') / 1024)} MB` : '')];
		}));
}

// steady
{
	const gs = [...groups.values()].filter((g) => g[0].scenario === 'steady');
	const lats = gs.filter((g) => g[0].mode === 'latency');
	if (lats.length) {
		table('Steady load (flowcomm.send with a template from 4 connections, workers running)',
			['contender', 'offered', 'achieved tx/s', 'messages', 'commit → HTTP arrival p50 / p95 / p99 (max) ms', 'commit → sent commit p50 / p95 / p99 (max) ms', 'busy CPU s / 1k msg', 'simulator CPU s / 1k', 'WAL B / msg (enqueue → sent)'],
			lats.map((lat) => {
				const l = lat[0];
				const st = l.contender === 'graphile' ? lat
					: gs.find((g) => g[0].mode === 'steady' && (g[0].config || 'tuned') === (l.config || 'tuned'));
				if (l.contender === 'graphile')
					return ['graphile-worker tuned', `${l.offered_rate}/s`, fmt(l.rate), fmt(l.n),
						`${fmt(l.arrive_p50_ms, 2)} / ${fmt(l.arrive_p95_ms, 2)} / ${fmt(l.arrive_p99_ms, 2)} (${fmt(l.arrive_max_ms, 1)})`,
						'– (jobs are deleted on completion)', fmt((l.busy_cpu_s / l.n) * 1000, 3), fmt((l.sim_cpu_s / l.n) * 1000, 3),
						l.wal_bytes !== undefined ? fmt(l.wal_bytes / l.n) : '–'];
				return [l.config === 'async' ? 'flowcomm, async worker commits (opt-in)' : 'flowcomm',
					st ? `${st[0].offered_rate}/s` : '–', st ? fmt(st[0].rate) : '–', fmt(l.n),
					`${fmt(l.arrive_p50_ms, 2)} / ${fmt(l.arrive_p95_ms, 2)} / ${fmt(l.arrive_p99_ms, 2)} (${fmt(l.arrive_max_ms, 1)})`,
					`${fmt(l.sent_p50_ms, 2)} / ${fmt(l.sent_p95_ms, 2)} / ${fmt(l.sent_p99_ms, 2)} (${fmt(l.sent_max_ms, 1)})`,
					st ? fmt((st[0].busy_cpu_s / l.n) * 1000, 3) : '–', st ? fmt((st[0].sim_cpu_s / l.n) * 1000, 3) : '–',
					st && st[0].wal_bytes !== undefined ? fmt(st[0].wal_bytes / l.n) : '–'];
			}));
	}
}

// enqueue
{
	const gs = [...groups.values()].filter((g) => g[0].scenario === 'enqueue');
	const order = (g) => (g[0].mode === 'bulk' ? 10 : g[0].conns) * 10 + ['flowcomm', 'graphile', 'pgboss', 'pgbench'].indexOf(g[0].contender);
	gs.sort((a, b) => order(a) - order(b));
	table('Enqueue', ['what', 'contender', 'msg/s (median)', 'runs', 'busy CPU s / 1k msg', 'WAL B / msg', 'index entries / msg'],
		gs.map((g) => {
			const r = g[0];
			const what = r.mode === 'bulk' ? `bulk ${fmt(r.n)} in one call` + (r.contender === 'flowcomm' ? ' (send_bulk, templates rendered)' : r.contender === 'pgboss' ? ' (insert)' : ' (addJobs)')
				: `${r.conns} connection${r.conns > 1 ? 's' : ''}` + (r.contender === 'flowcomm' ? ' (send + template)' : r.contender === 'pgboss' ? ' (send)'
					: r.contender === 'pgbench' ? ' (ceiling: one-row durable INSERT)' : ' (addJob)');
			return [what, r.contender === 'flowcomm' ? 'flowcomm' : r.contender === 'pgboss' ? 'pg-boss' : r.contender === 'pgbench' ? 'pgbench' : 'graphile-worker',
				fmt(med(g, 'rate')), g.map((x) => fmt(x.rate)).join(' / '), fmt(med(g, 'busy_cpu_per_1k'), 3), ...walCells(g)];
		}));
}

// growth
{
	const d = rows.filter((r) => r.scenario === 'growth' && r.mode === 'drain');
	const q = rows.filter((r) => r.scenario === 'growth' && r.mode === 'queries');
	table('Growth (flowcomm; one database, sizes drained one after the other)',
		['drain size', 'msg/s', 'busy CPU s / 1k', 'worker VmRSS min–max MB', 'worker RssAnon min–max MB', 'rows in communication', 'table B/msg', 'index B/msg', 'history page ms (cold)', 'history by contact ms (cold)', 'stats month ms (cold)'],
		d.map((r) => {
			const x = q.find((y) => y.size === r.size) || {};
			return [fmt(r.size), fmt(r.rate), fmt(r.busy_cpu_per_1k, 3), `${fmt(r.rss_kb_min / 1024)}–${fmt(r.rss_kb_max / 1024)}`,
				r.rss_anon_kb_max ? `${fmt(r.rss_anon_kb_min / 1024)}–${fmt(r.rss_anon_kb_max / 1024)}` : '–',
				fmt(x.rows), fmt(x.table_bytes_per_msg), fmt(x.index_bytes_per_msg),
				`${fmt(x.history_page_ms, 1)} (${fmt(x.history_page_cold_ms, 1)})`,
				`${fmt(x.history_contact_ms, 1)} (${fmt(x.history_contact_cold_ms, 1)})`,
				`${fmt(x.stats_month_ms, 1)} (${fmt(x.stats_month_cold_ms, 1)})`];
		}));
	const last = q[q.length - 1];
	if (last && last.by_table) out.push('\nBytes per message by table (table incl. TOAST / indexes) at the last size: ' +
		Object.entries(last.by_table).map(([t, [a, b]]) => `${t} ${a} / ${b}`).join('; '));
}
// ---- the targets of issue 18, each with its ratio and met / missed
{
	const G = (sc, contender, mode, extra = {}) => [...groups.values()].find((g) => g[0].scenario === sc && g[0].contender === contender &&
		g[0].mode === mode && Object.entries(extra).every(([k, v]) => (g[0][k] || (k === 'config' ? 'tuned' : undefined)) === v));
	const lines = [];
	const ratio = (a, b) => (a !== undefined && b ? a / b : undefined);
	const verdict = (ok) => (ok === undefined ? 'not measured' : ok ? '**met**' : 'missed');
	const target = (what, figure, ok) => lines.push([what, figure, verdict(ok)]);
	const x = (v, d = 2) => (v === undefined ? '–' : v.toFixed(d) + '×');
	for (const sc of ['drain', 'slow']) {
		const f = G(sc, 'flowcomm', 'drain', { config: 'tuned' }), g = G(sc, 'graphile', 'drain', { config: 'tuned' });
		const rr = f && g ? ratio(med(f, 'rate'), med(g, 'rate')) : undefined;
		if (sc === 'drain') {
			const cr = f && g ? ratio(med(f, 'busy_cpu_per_1k'), med(g, 'busy_cpu_per_1k')) : undefined;
			target('Drain ≥ 1.5× tuned graphile-worker', `${f ? fmt(med(f, 'rate')) : '–'} vs ${g ? fmt(med(g, 'rate')) : '–'} msg/s = ${x(rr)}`, rr === undefined ? undefined : rr >= 1.5);
			target('Drain busy CPU per message ≤ ½ of graphile-worker\'s', `${f ? fmt(med(f, 'busy_cpu_per_1k'), 3) : '–'} vs ${g ? fmt(med(g, 'busy_cpu_per_1k'), 3) : '–'} CPU s / 1k = ${x(cr)}`, cr === undefined ? undefined : cr <= 0.5);
		} else
			target('Slow provider (50 ms) ≥ 3× tuned graphile-worker', `${f ? fmt(med(f, 'rate')) : '–'} vs ${g ? fmt(med(g, 'rate')) : '–'} msg/s = ${x(rr)}`, rr === undefined ? undefined : rr >= 3);
	}
	{
		const f = G('steady', 'flowcomm', 'latency', { config: 'tuned' }), g = G('steady', 'graphile', 'latency');
		const fa = f && f[0], ga = g && g[0];
		const ok = (v, lim, peer) => (v === undefined ? undefined : v <= lim && (peer === undefined || v < peer));
		target('Steady 500/s: commit → HTTP p50 ≤ 1 ms and below graphile-worker\'s', `${fa ? fmt(fa.arrive_p50_ms, 2) : '–'} ms vs ${ga ? fmt(ga.arrive_p50_ms, 2) : '–'} ms`, fa && ok(fa.arrive_p50_ms, 1, ga && ga.arrive_p50_ms));
		target('Steady 500/s: commit → HTTP p99 ≤ 5 ms and below graphile-worker\'s', `${fa ? fmt(fa.arrive_p99_ms, 2) : '–'} ms vs ${ga ? fmt(ga.arrive_p99_ms, 2) : '–'} ms`, fa && ok(fa.arrive_p99_ms, 5, ga && ga.arrive_p99_ms));
		target('Steady 500/s: commit → sent commit p99 ≤ 20 ms (default commits)', `${fa ? fmt(fa.sent_p99_ms, 2) : '–'} ms`, fa && ok(fa.sent_p99_ms, 20));
	}
	for (const c of [1, 4]) {
		const f = G('enqueue', 'flowcomm', 'enqueue', { conns: c }), g = G('enqueue', 'graphile', 'enqueue', { conns: c }), p = G('enqueue', 'pgbench', 'enqueue', { conns: c });
		const rg = f && g ? ratio(med(f, 'rate'), med(g, 'rate')) : undefined, rp = f && p ? ratio(med(f, 'rate'), med(p, 'rate')) : undefined;
		target(`send with a template, ${c} connection${c > 1 ? 's' : ''}: ≥ 3× graphile-worker addJob`, `${f ? fmt(med(f, 'rate')) : '–'} vs ${g ? fmt(med(g, 'rate')) : '–'} msg/s = ${x(rg)}`, rg === undefined ? undefined : rg >= 3);
		target(`send with a template, ${c} connection${c > 1 ? 's' : ''}: ≥ 50 % of a one-row durable INSERT (pgbench)`, `${f ? fmt(med(f, 'rate')) : '–'} vs ${p ? fmt(med(p, 'rate')) : '–'} tx/s = ${rp === undefined ? '–' : (100 * rp).toFixed(0) + ' %'}`, rp === undefined ? undefined : rp >= 0.5);
	}
	{
		const f = G('enqueue', 'flowcomm', 'bulk'), g = G('enqueue', 'graphile', 'bulk');
		const rr = f && g ? ratio(med(f, 'rate'), med(g, 'rate')) : undefined;
		target(`send_bulk of ${f ? fmt(med(f, 'n')) : '–'} with templates ≥ 1.5× graphile-worker addJobs (target at 100,000)`, `${f ? fmt(med(f, 'rate')) : '–'} vs ${g ? fmt(med(g, 'rate')) : '–'} msg/s = ${x(rr)}`, rr === undefined ? undefined : rr >= 1.5);
	}
	// per message kept, enqueue (one connection) + drain to `sent`; pg-boss keeps
	// its jobs, graphile-worker deletes them
	for (const [f, label, d] of [['wal_per_msg', 'WAL bytes', 0], ['ix_per_msg', 'index entries', 1]]) {
		const per = (k, cfg) => {
			const e = G('enqueue', k, 'enqueue', { conns: 1 }), dr = G('drain', k, 'drain', { config: cfg });
			const a = e && med(e, f), b = dr && med(dr, f);
			return a === undefined || b === undefined ? undefined : a + b;
		};
		const fc = per('flowcomm', 'tuned'), gw = per('graphile', 'tuned'), pb = per('pgboss', 'tuned');
		const peers = [gw, pb].filter((v) => v !== undefined);
		target(`${label} per message, enqueue (send, 1 connection) + drain to sent: flowcomm's the lowest`,
			`flowcomm ${fmt(fc, d)}, graphile-worker ${fmt(gw, d)} (deletes its jobs), pg-boss ${fmt(pb, d)}`,
			fc === undefined || !peers.length ? undefined : peers.every((v) => fc < v));
	}
	lines.push(['Nothing lost (make check-chaos, reliability tests)', 'not part of make bench', 'see make check-chaos']);
	table('Targets of issue 18 (medians of this run)', ['target', 'figure', 'met / missed'], lines);
}
console.log(out.join('\n'));

// ---- plot data: throughput over time (1 s bins) from rep 1 of drain and slow, CPU per message
const dat = [];
for (const f of fs.readdirSync(dir).filter((f) => /^(drain|slow)\..*\.1\.series$/.test(f))) {
	const pts = fs.readFileSync(`${dir}/${f}`, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ').map(Number)).filter((p) => p[0] >= 0);
	const lines = [];
	let prev = [0, 0];
	const span = pts.length ? pts[pts.length - 1][0] : 0;
	const bin = span > 20 ? 1 : 0.25;
	for (const p of pts) {
		if (p[0] - prev[0] >= bin) { lines.push(`${p[0].toFixed(2)} ${((p[1] - prev[1]) / (p[0] - prev[0])).toFixed(1)}`); prev = p; }
	}
	if (!lines.length) lines.push('0 0');
	const out = f.replace(/\.1\.series$/, '.dat').replace(/^/, 'tput.');
	fs.writeFileSync(`${dir}/${out}`, lines.join('\n') + '\n');
	dat.push(out);
}
const cpu = [...groups.values()].filter((g) => ['drain', 'slow'].includes(g[0].scenario) && g[0].mode === 'drain' && g[0].config !== 'default');
fs.writeFileSync(`${dir}/cpu.dat`, (cpu.length ? '' : '"no drain run" 0 0\n') + cpu.map((g) => `"${g[0].scenario}\\n${name(g[0])}" ${(med(g, 'busy_cpu_per_1k') || 0).toFixed(4)} ${(med(g, 'sim_cpu_per_1k') || 0).toFixed(4)}`).join('\n') + '\n');
