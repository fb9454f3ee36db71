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
	'history_page_ms', 'history_contact_ms', 'history_first_page_ms', 'stats_month_ms', 'history_page_cold_ms', 'history_first_page_cold_ms', 'stats_month_cold_ms', 'table_bytes_per_msg', 'index_bytes_per_msg', 'rows'];
for (const r of rows) {
	const n = r.done ?? r.n;
	if (r.busy_cpu_s !== undefined && n) r.busy_cpu_per_1k = (r.busy_cpu_s / n) * 1000;
	if (r.sim_cpu_s !== undefined && n) r.sim_cpu_per_1k = (r.sim_cpu_s / n) * 1000;
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
		['contender', 'messages', 'msg/s (median)', 'runs (msg/s)', 'vs best tuned', 'busy CPU s / 1k msg', 'CPU vs best tuned', 'simulator CPU s / 1k', 'in flight avg / max', 'note'],
		gs.map((g) => {
			const r = g[0];
			const rate = med(g, 'rate');
			const cpu = med(g, 'busy_cpu_per_1k');
			return [name(r), fmt(med(g, 'done')), fmt(rate), g.map((x) => fmt(x.rate)).join(' / '),
				best ? (rate / best).toFixed(2) + '×' : '–', fmt(cpu, 3), bestCpu ? (cpu / bestCpu).toFixed(2) + '×' : '–',
				fmt(med(g, 'sim_cpu_per_1k'), 3), `${fmt(med(g, 'in_flight_avg'))} / ${fmt(med(g, 'in_flight_max'))}`,
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
			['contender', 'offered', 'achieved tx/s', 'messages', 'commit → HTTP arrival p50 / p95 / p99 (max) ms', 'commit → sent commit p50 / p95 / p99 (max) ms', 'busy CPU s / 1k msg', 'simulator CPU s / 1k'],
			lats.map((lat) => {
				const l = lat[0];
				const st = l.contender === 'graphile' ? lat
					: gs.find((g) => g[0].mode === 'steady' && (g[0].config || 'tuned') === (l.config || 'tuned'));
				if (l.contender === 'graphile')
					return ['graphile-worker tuned', `${l.offered_rate}/s`, fmt(l.rate), fmt(l.n),
						`${fmt(l.arrive_p50_ms, 2)} / ${fmt(l.arrive_p95_ms, 2)} / ${fmt(l.arrive_p99_ms, 2)} (${fmt(l.arrive_max_ms, 1)})`,
						'– (jobs are deleted on completion)', fmt((l.busy_cpu_s / l.n) * 1000, 3), fmt((l.sim_cpu_s / l.n) * 1000, 3)];
				return [l.config === 'async' ? 'flowcomm, async worker commits (opt-in)' : 'flowcomm',
					st ? `${st[0].offered_rate}/s` : '–', st ? fmt(st[0].rate) : '–', fmt(l.n),
					`${fmt(l.arrive_p50_ms, 2)} / ${fmt(l.arrive_p95_ms, 2)} / ${fmt(l.arrive_p99_ms, 2)} (${fmt(l.arrive_max_ms, 1)})`,
					`${fmt(l.sent_p50_ms, 2)} / ${fmt(l.sent_p95_ms, 2)} / ${fmt(l.sent_p99_ms, 2)} (${fmt(l.sent_max_ms, 1)})`,
					st ? fmt((st[0].busy_cpu_s / l.n) * 1000, 3) : '–', st ? fmt((st[0].sim_cpu_s / l.n) * 1000, 3) : '–'];
			}));
	}
}

// enqueue
{
	const gs = [...groups.values()].filter((g) => g[0].scenario === 'enqueue');
	const order = (g) => (g[0].mode === 'bulk' ? 10 : g[0].conns) * 10 + ['flowcomm', 'graphile', 'pgboss'].indexOf(g[0].contender);
	gs.sort((a, b) => order(a) - order(b));
	table('Enqueue', ['what', 'contender', 'msg/s (median)', 'runs', 'busy CPU s / 1k msg'],
		gs.map((g) => {
			const r = g[0];
			const what = r.mode === 'bulk' ? `bulk ${fmt(r.n)} in one call` + (r.contender === 'flowcomm' ? ' (send_bulk, templates rendered)' : r.contender === 'pgboss' ? ' (insert)' : ' (addJobs)')
				: `${r.conns} connection${r.conns > 1 ? 's' : ''}` + (r.contender === 'flowcomm' ? ' (send + template)' : r.contender === 'pgboss' ? ' (send)' : ' (addJob)');
			return [what, r.contender === 'flowcomm' ? 'flowcomm' : r.contender === 'pgboss' ? 'pg-boss' : 'graphile-worker',
				fmt(med(g, 'rate')), g.map((x) => fmt(x.rate)).join(' / '), fmt(med(g, 'busy_cpu_per_1k'), 3)];
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
