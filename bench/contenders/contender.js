#!/usr/bin/env node
// contender.js — the pg-boss and graphile-worker side of `make bench`.
//
// One process per measurement.  It prepares the queue (schema, preloaded
// jobs) untimed, then measures one thing and prints ONE JSON line on stdout:
//
//   node contender.js drain   --contender pgboss|graphile --config default|tuned
//                             --n N [--cap SECONDS] --sim URL --sim-pid PID --db CONNSTR
//   node contender.js enqueue --contender ... --n N --conns 1|4 --sim-pid PID --db ...
//   node contender.js bulk    --contender ... --n N --db ...
//   node contender.js gwsteady --pgbench PATH --rate R --seconds S --db ... --sim URL
//       (graphile-worker tuned under steady load: pgbench adds the jobs; see gwsteady)
//
// The job handler POSTs the same form-encoded Twilio-style request to the
// provider simulator (To/From/Body, Basic auth) through ONE keep-alive undici
// Pool of 256 connections, checks for 201 and completes the job.  Jobs carry
// the same message mix as flowcomm (50% SMS, 30% email with a 20 KB HTML
// body stored in the job payload, 20% WhatsApp); the request is always the
// Twilio-style one (the simulator's Twilio endpoint caps Body at 1600 chars,
// so email jobs send their text part).
//
// CPU: busy jiffies of the whole machine from /proc/stat (user+nice+system+
// irq+softirq+steal) and utime+stime of the simulator process, before and
// after the measured window.
'use strict';
const fs = require('fs');
const { performance } = require('perf_hooks');

const args = parseArgs(process.argv.slice(2));
const mode = args._[0];
const contender = args.contender;
const config = args.config || 'tuned';
const N = parseInt(args.n || '1000', 10);
const CAP = parseFloat(args.cap || '0');          // seconds, 0 = none
const DB = args.db;
const SIM = args.sim;
const SIM_PID = args['sim-pid'] ? parseInt(args['sim-pid'], 10) : 0;
const SERIES = args.series || '';                 // optional: throughput samples file

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const AUTH = 'Basic ' + Buffer.from(ACCOUNT + ':bench-token').toString('base64');
const PATH = `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`;

function parseArgs(a) {
	const o = { _: [] };
	for (let i = 0; i < a.length; i++) {
		if (a[i].startsWith('--')) o[a[i].slice(2)] = a[++i];
		else o._.push(a[i]);
	}
	return o;
}

// ---------------------------------------------------------------- messages
const HTML = (() => {
	let s = '<html><head><style>td{padding:4px}</style></head><body><h1>Invoice 1042</h1><table>';
	for (let i = 0; s.length < 20000; i++)
		s += `<tr><td>Item ${i}</td><td>Widget model ${(i * 7919) % 1000}</td><td>${(i * 37) % 100}.${i % 10}0 USD</td></tr>`;
	return s.slice(0, 19980) + '</table></body></html>';
})();

function message(i) {
	const k = i % 10;
	const to = '+1555' + String(1000000 + (i % 9000000)).padStart(7, '0');
	if (k < 5) return { ch: 'sms', to, body: `Shop: Hi Ana, here is invoice INV-${i} for $12.50. Pay: https://pay.test/${i} Thank you!` };
	if (k < 8) return { ch: 'email', to: `customer${i}@example.test`, sms_to: to, subject: `Invoice INV-${i}`, html: HTML,
		body: `Invoice INV-${i}: 12.50 USD. Thank you!` };
	return { ch: 'whatsapp', to: 'whatsapp:' + to, body: `Shop: invoice INV-${i} for $12.50 is ready: https://pay.test/${i}` };
}

// small message for the enqueue measurements (flowcomm's side renders a template)
function smallMessage(i) {
	return { ch: 'sms', to: '+1555' + String(1000000 + i).padStart(7, '0'),
		body: `Shop: Hi Ana, here is invoice INV-${i} for $12.50. Pay: https://pay.test/${i} Thank you!` };
}

// ---------------------------------------------------------------- measuring
function busyJiffies() {
	const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
	// user nice system idle iowait irq softirq steal
	return f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0);
}
function pidJiffies(pid) {
	if (!pid) return 0;
	try {
		const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
		return Number(rest[11]) + Number(rest[12]);   // fields 14, 15: utime, stime
	} catch (e) { return 0; }
}
const HZ = 100;   // USER_HZ on Linux
function snap() { return { t: performance.now(), busy: busyJiffies(), sim: pidJiffies(SIM_PID), self: pidJiffies(process.pid) }; }
function emit(o) { process.stdout.write(JSON.stringify(o) + '\n'); }

// Write counters (bench/walsnap.sql): WAL position and index entries written
// so far.  Taken after the writers are idle (statistics are published within
// 1 s) or gone; walFields turns two snapshots into per-run JSON fields.
const WALSNAP = fs.readFileSync(__dirname + '/../walsnap.sql', 'utf8');
async function dbSnap() {
	const { Client } = require('pg');
	await sleep(1000 * parseFloat(process.env.BENCH_SNAP_WAIT || '1.2'));
	const c = new Client({ connectionString: DB });
	await c.connect();
	const r = (await c.query(WALSNAP)).rows[0];
	await c.end();
	return { wal: Number(r.wal), ix: Number(r.ix) };
}
function walFields(a, b, n) { return { wal_bytes: b.wal - a.wal, index_entries: b.ix - a.ix, wal_n: n }; }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- HTTP
let pool;
function httpPool() {
	const { Pool } = require('undici');
	pool = new Pool(SIM, { connections: 256, pipelining: 1, keepAliveTimeout: 60000 });
	return pool;
}
async function post(m) {
	const form = new URLSearchParams({ To: m.ch === 'email' ? m.sms_to : m.to,
		From: m.ch === 'whatsapp' ? 'whatsapp:+14155238886' : '+15005550006', Body: m.body }).toString();
	const res = await pool.request({ path: PATH, method: 'POST', body: form,
		headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' } });
	const text = await res.body.text();
	if (res.statusCode !== 201) throw new Error(`simulator answered ${res.statusCode}: ${text.slice(0, 200)}`);
}

// ---------------------------------------------------------------- pg-boss
const QUEUE = 'bench_send';
async function bossStart(max) {
	const PgBoss = require('pg-boss');
	const boss = new PgBoss({ connectionString: DB, max, supervise: true, schedule: false });
	boss.on('error', (e) => console.error('pg-boss error:', e.message));
	await boss.start();
	await boss.createQueue(QUEUE).catch(() => {});
	return boss;
}
async function bossReset(boss) {
	// A capped run (pg-boss default) leaves jobs behind: start from an empty queue.
	await boss.deleteQueue(QUEUE).catch(() => {});
	await boss.createQueue(QUEUE);
	await boss.getDb().executeSql('DELETE FROM pgboss.job WHERE name = $1', [QUEUE]);
}

// ---------------------------------------------------------------- graphile-worker
async function gwUtils(max) {
	const { makeWorkerUtils } = require('graphile-worker');
	const u = await makeWorkerUtils({ connectionString: DB, maxPoolSize: max || 10 });
	await u.migrate();
	return u;
}

// ---------------------------------------------------------------- drain
async function preload(n, add) {
	const CH = 2000;
	for (let i = 0; i < n; i += CH) {
		const batch = [];
		for (let j = i; j < Math.min(n, i + CH); j++) batch.push(message(j));
		await add(batch);
	}
}

async function drain() {
	httpPool();
	let first = 0, handled = 0, failed = 0;
	const series = [];
	const handle = async (m) => {
		if (!first) first = performance.now();
		try { await post(m); handled++; } catch (e) { failed++; if (failed < 5) console.error(e.message); throw e; }
	};
	let stop, isDone, cleanup;

	if (contender === 'pgboss') {
		const tuned = config === 'tuned';
		const boss = await bossStart(tuned ? 20 : 10);
		await bossReset(boss);
		await preload(N, (b) => boss.insert(b.map((m) => ({ name: QUEUE, data: m }))));
		const db = boss.getDb();
		isDone = async () => {
			const r = await db.executeSql(`SELECT NOT EXISTS (SELECT 1 FROM pgboss.job WHERE name = $1 AND state < 'completed') AS d`, [QUEUE]);
			return r.rows[0].d;
		};
		stop = () => boss.stop({ graceful: false, wait: true, timeout: 2000 }).catch(() => {});
		cleanup = () => boss.deleteQueue(QUEUE).catch(() => {});
		var startWork = async () => {
			if (tuned) {
				for (let w = 0; w < 32; w++)
					await boss.work(QUEUE, { batchSize: 250, pollingIntervalSeconds: 0.5 },
						(jobs) => Promise.all(jobs.map((j) => handle(j.data))));
			} else {
				await boss.work(QUEUE, (jobs) => Promise.all(jobs.map((j) => handle(j.data))));
			}
		};
	} else if (contender === 'graphile') {
		const tuned = config === 'tuned';
		const utils = await gwUtils();
		await utils.withPgClient((c) => c.query('DELETE FROM graphile_worker._private_jobs'));
		await preload(N, (b) => utils.addJobs(b.map((m) => ({ identifier: 'send', payload: m }))));
		isDone = async () => utils.withPgClient(async (c) =>
			(await c.query('SELECT NOT EXISTS (SELECT 1 FROM graphile_worker._private_jobs) AS d')).rows[0].d);
		let runner;
		stop = async () => { if (runner) await runner.stop().catch(() => {}); };
		cleanup = async () => { await utils.withPgClient((c) => c.query('DELETE FROM graphile_worker._private_jobs')); await utils.release(); };
		var startWork = async () => {
			const { run } = require('graphile-worker');
			const opts = tuned
				? { connectionString: DB, concurrency: 256, maxPoolSize: 20, noHandleSignals: true,
					preset: { worker: { localQueue: { size: 1000 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } } }
				: { connectionString: DB, concurrency: 10, noHandleSignals: true };
			runner = await run({ ...opts, logger: quietLogger(), taskList: { send: (payload) => handle(payload) } });
		};
	} else if (contender === 'flowcomm') {
		// flowcomm: the workers are background processes of the server.  The
		// queue is loaded with flowcomm.workers_per_database = 0; the measured
		// window starts when it is raised (ALTER SYSTEM + reload).
		const { Client } = require('pg');
		const c = new Client({ connectionString: DB });
		await c.connect();
		const BID = args.bid;
		const W = parseInt(args.workers || '2', 10);
		await c.query(fs.readFileSync(__dirname + '/../flowcomm/preload.sql', 'utf8'), [BID, N]);
		await c.query(`INSERT INTO flowcomm.communication_queue (business_id, communication_id, channel)
		               SELECT business_id, id, channel FROM flowcomm.communication
		                WHERE business_id = $1 AND status = 'queued'`, [BID]);
		await c.query(`INSERT INTO flowcomm.communication_event (business_id, communication_id, event, status, source)
		               SELECT business_id, id, 'queued', 'queued', 'api' FROM flowcomm.communication
		                WHERE business_id = $1 AND status = 'queued'`, [BID]);
		// WhatsApp takes a free-form Body only within 24 hours of the customer's
		// last message (issue 17): the bench's WhatsApp customers wrote first,
		// as flowcomm (conversation_window) and the simulator (Twilio) know it.
		const wa = (await c.query(`INSERT INTO flowcomm.conversation_window (business_id, channel, sender, contact, last_inbound_at)
		                           SELECT DISTINCT business_id, channel, '+14155238886', recipient_contact, now()
		                             FROM flowcomm.communication WHERE business_id = $1 AND channel = 'whatsapp'
		                           ON CONFLICT DO NOTHING RETURNING contact`, [BID])).rows;
		if (wa.length > 0) {
			const { request } = require('undici');
			const r = await request(SIM + '/_sim/inbound', { method: 'POST', headers: { 'content-type': 'application/json' },
				body: JSON.stringify(wa.map((w) => ({ from: 'whatsapp:' + w.contact, to: 'whatsapp:+14155238886' }))) });
			await r.body.text();
		}
		await c.query('VACUUM ANALYZE flowcomm.communication, flowcomm.communication_queue, flowcomm.communication_event');
		await c.query('CHECKPOINT');
		const since = (await c.query('SELECT clock_timestamp() AS t')).rows[0].t;
		isDone = async () => (await c.query(`SELECT NOT EXISTS (SELECT 1 FROM flowcomm.communication_queue WHERE status = 'pending')
		                                       AND NOT EXISTS (SELECT 1 FROM flowcomm.communication_queue WHERE status = 'processing') AS d`)).rows[0].d;
		// --config async: the opt-in fast mode (flowcomm.worker_synchronous_commit = off),
		// reported as its own row, never as flowcomm's figure.
		const syncCommit = config === 'async' ? 'off' : 'on';
		stop = async () => {
			await c.query(`ALTER SYSTEM SET flowcomm.workers_per_database = 0`);
			await c.query(`ALTER SYSTEM RESET flowcomm.worker_synchronous_commit`);
			await c.query('SELECT pg_reload_conf()');
		};
		cleanup = async () => { await c.end(); };
		// the workers publish their table statistics when they exit
		var workersGone = async () => {
			for (let i = 0; i < 200; i++) {
				const r = await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'flowcomm worker'`);
				if (r.rows[0].n === 0) return;
				await sleep(50);
			}
		};
		var startWork = async () => {
			await c.query(`ALTER SYSTEM SET flowcomm.worker_synchronous_commit = ${syncCommit}`);
			await c.query(`ALTER SYSTEM SET flowcomm.workers_per_database = ${W}`);
			await c.query('SELECT pg_reload_conf()');
		};
		// handled = requests answered by the simulator; first = first claim (from the queue rows)
		var progress = async () => {
			const t = await simTotal();
			handled = t - simBase;
			if (!first && handled > 0) first = performance.now();
		};
		var firstClaim = async () => {
			const r = await c.query(`SELECT extract(epoch FROM clock_timestamp() - min(started_at)) AS ago,
			                                count(*) FILTER (WHERE status = 'completed') AS ok,
			                                count(*) FILTER (WHERE status <> 'completed') AS bad
			                           FROM flowcomm.communication_queue WHERE business_id = $1 AND started_at >= $2`, [BID, since]);
			const sent = await c.query(`SELECT count(*) AS n FROM flowcomm.communication
			                             WHERE business_id = $1 AND status = 'sent' AND sent_at >= $2`, [BID, since]);
			return { ago: Number(r.rows[0].ago), ok: Number(r.rows[0].ok), bad: Number(r.rows[0].bad), sent: Number(sent.rows[0].n) };
		};
		var rss = async () => {
			const r = await c.query(`SELECT pid FROM pg_stat_activity WHERE backend_type = 'flowcomm worker'`);
			// VmRSS counts the shared_buffers pages a worker has touched
			// (RssShmem), which grows up to shared_buffers by itself; RssAnon
			// is the worker's private memory, the figure that must stay flat.
			let kb = 0, anon = 0;
			for (const { pid } of r.rows) {
				try {
					const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
					kb += Number(/VmRSS:\s+(\d+)/.exec(st)[1]);
					anon += Number(/RssAnon:\s+(\d+)/.exec(st)[1]);
				} catch (e) { /* gone */ }
			}
			rssAnonNow = anon;
			if (anon) { rssAnonMax = Math.max(rssAnonMax, anon); rssAnonMin = rssAnonMin ? Math.min(rssAnonMin, anon) : anon; }
			return kb;
		};
	} else throw new Error('unknown contender ' + contender);

	// Same start for every contender: a checkpoint, so every contender's
	// first change of a page pays its full-page image in the window.
	{
		const { Client } = require('pg');
		const c = new Client({ connectionString: DB });
		await c.connect();
		await c.query('CHECKPOINT');
		await c.end();
	}
	const w0 = await dbSnap();
	const simBase = await simTotal();
	const t0 = snap();
	const simStart = simBase;
	// requests in flight at the simulator (its in_flight gauge), every 100 ms
	let ifMax = 0, ifSum = 0, ifN = 0;
	const ifSampler = setInterval(async () => {
		const st = await simStats();
		if (st && st.in_flight > 0) { ifMax = Math.max(ifMax, st.in_flight); ifSum += st.in_flight; ifN++; }
	}, 100);
	await startWork();
	let end = 0, timedOut = false;
	let rssNow = 0, rssMax = 0, rssMin = 0;
	var rssAnonNow = 0, rssAnonMax = 0, rssAnonMin = 0;
	const sampler = setInterval(async () => {
		const row = [performance.now(), handled];
		series.push(row);
		if (typeof rss === 'function') {
			rssNow = await rss().catch(() => 0);
			row.push(rssNow, rssAnonNow);
			if (rssNow) { rssMax = Math.max(rssMax, rssNow); rssMin = rssMin ? Math.min(rssMin, rssNow) : rssNow; }
		}
	}, 250);
	for (;;) {
		if (typeof progress === 'function') await progress();
		if (failed) throw new Error(`${failed} provider requests failed`);
		await sleep(handled + failed >= N ? 5 : 20);
		if (handled + failed >= N && (await isDone())) { end = performance.now(); break; }
		if (CAP && first && performance.now() - first > CAP * 1000) { end = performance.now(); timedOut = true; break; }
		if (!first && performance.now() - t0.t > Math.max(CAP, 60) * 1000) throw new Error('no job was ever claimed');
	}
	const t1 = snap();
	clearInterval(sampler);
	clearInterval(ifSampler);
	const simEnd = await simTotal();
	let done = handled;
	let secs = (end - first) / 1000;
	let extra = {};
	if (typeof firstClaim === 'function') {
		// flowcomm: window from the first claim (queue started_at, server clock)
		// to the poll that saw the queue empty; count the sent messages.
		const f = await firstClaim();
		secs = f.ago - (performance.now() - end) / 1000;
		done = f.sent;
		extra = { queue_completed: f.ok, queue_other: f.bad, rss_kb_min: rssMin, rss_kb_max: rssMax,
			rss_anon_kb_min: rssAnonMin, rss_anon_kb_max: rssAnonMax };
		first = end - secs * 1000;
	}
	await stop();
	if (typeof workersGone === 'function') await workersGone();
	const w1 = await dbSnap();
	await cleanup();
	await pool.close();
	if (SERIES) fs.writeFileSync(SERIES, series.map(([t, n, r, a]) => `${((t - first) / 1000).toFixed(3)} ${n}${r !== undefined ? ' ' + r + ' ' + a : ''}`).join('\n') + '\n');
	emit({ contender, config, mode, n: N, done, failed, capped: timedOut, seconds: secs, ...extra,
		in_flight_max: ifMax, in_flight_avg: ifN ? ifSum / ifN : 0,
		rate: done / secs, busy_cpu_s: (t1.busy - t0.busy) / HZ, sim_cpu_s: (t1.sim - t0.sim) / HZ,
		self_cpu_s: (t1.self - t0.self) / HZ, sim_requests: simEnd - simStart, ...walFields(w0, w1, done) });
}

function quietLogger() {
	const { Logger } = require('graphile-worker');
	return new Logger(() => (level, message) => { if (level === 'error') console.error(message); });
}

async function simStats() {
	try {
		const { request } = require('undici');
		const r = await request(SIM + '/_sim/stats');
		return JSON.parse(await r.body.text());
	} catch (e) { return null; }
}

async function simTotal() {
	if (!SIM) return 0;
	try {
		const { request } = require('undici');
		const r = await request(SIM + '/_sim/stats');
		return JSON.parse(await r.body.text()).total;
	} catch (e) { return 0; }
}

// ---------------------------------------------------------------- enqueue
async function enqueue() {
	const conns = parseInt(args.conns || '1', 10);
	let add, close;
	if (contender === 'pgboss') {
		const boss = await bossStart(conns + 1);
		await bossReset(boss);
		add = (m) => boss.send(QUEUE, m);
		close = async () => { await boss.deleteQueue(QUEUE).catch(() => {}); await boss.stop({ graceful: false, wait: true, timeout: 2000 }).catch(() => {}); };
	} else {
		const utils = await gwUtils(conns + 1);
		await utils.withPgClient((c) => c.query('DELETE FROM graphile_worker._private_jobs'));
		add = (m) => utils.addJob('send', m);
		close = async () => { await utils.withPgClient((c) => c.query('DELETE FROM graphile_worker._private_jobs')); await utils.release(); };
	}
	for (let i = 0; i < 20; i++) await add(smallMessage(i));   // warm up
	// for --seconds S (like pgbench -T), else for --n N messages
	const S = parseFloat(args.seconds || '0');
	let next = 0;
	const w0 = await dbSnap();
	const t0 = snap();
	const until = t0.t + S * 1000;
	await Promise.all(Array.from({ length: conns }, async () => {
		for (let i = next++; S ? performance.now() < until : i < N; i = next++) await add(smallMessage(i));
	}));
	const t1 = snap();
	const count = S ? next - conns : N;
	const w1 = await dbSnap();
	await close();
	const secs = (t1.t - t0.t) / 1000;
	emit({ contender, mode, conns, n: count, seconds: secs, rate: count / secs, busy_cpu_s: (t1.busy - t0.busy) / HZ,
		sim_cpu_s: (t1.sim - t0.sim) / HZ, ...walFields(w0, w1, count) });
}

async function bulk() {
	let addAll, close;
	if (contender === 'pgboss') {
		const boss = await bossStart(4);
		await bossReset(boss);
		addAll = (ms) => boss.insert(ms.map((m) => ({ name: QUEUE, data: m })));
		close = async () => { await boss.deleteQueue(QUEUE).catch(() => {}); await boss.stop({ graceful: false, wait: true, timeout: 2000 }).catch(() => {}); };
	} else {
		const utils = await gwUtils(4);
		await utils.withPgClient((c) => c.query('DELETE FROM graphile_worker._private_jobs'));
		addAll = (ms) => utils.addJobs(ms.map((m) => ({ identifier: 'send', payload: m })));
		close = async () => { await utils.withPgClient((c) => c.query('DELETE FROM graphile_worker._private_jobs')); await utils.release(); };
	}
	const msgs = [];
	for (let i = 0; i < N; i++) msgs.push(smallMessage(i));
	await addAll(msgs.slice(0, 10));   // warm up
	const w0 = await dbSnap();
	const t0 = snap();
	await addAll(msgs);                // one call
	const t1 = snap();
	const w1 = await dbSnap();
	await close();
	const secs = (t1.t - t0.t) / 1000;
	emit({ contender, mode, n: N, seconds: secs, rate: N / secs, busy_cpu_s: (t1.busy - t0.busy) / HZ,
		sim_cpu_s: (t1.sim - t0.sim) / HZ, ...walFields(w0, w1, N) });
}

// ---------------------------------------------------------------- flowcomm: steady-load latency
// Per message: enqueue commit = commit timestamp of its 'queued' history row
// (track_commit_timestamp = on; the row is append-only, so its xmin is the
// enqueue transaction), HTTP arrival = the simulator's ts_us of the request
// whose answer id is the message's provider_message_id, sent commit = commit
// timestamp of its 'sent' history row.  All clocks are this machine's.
async function latency() {
	const { Client } = require('pg');
	const { request } = require('undici');
	const c = new Client({ connectionString: DB });
	await c.connect();
	const r = await request(`${SIM}/_sim/requests?since=${args.since || 0}&limit=10000000`);
	const reqs = JSON.parse(await r.body.text()).filter((x) => x.response_id);
	await c.query('CREATE TEMP TABLE sim_req (response_id text PRIMARY KEY, ts_us bigint)');
	await c.query(`INSERT INTO sim_req SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING`,
		[reqs.map((x) => x.response_id), reqs.map((x) => x.ts_us)]);
	const q = await c.query(`
		WITH m AS (
			SELECT extract(epoch FROM to_timestamp(r.ts_us / 1e6) - pg_xact_commit_timestamp(qe.xmin)) * 1000 AS arrive_ms,
			       extract(epoch FROM pg_xact_commit_timestamp(se.xmin) - pg_xact_commit_timestamp(qe.xmin)) * 1000 AS sent_ms
			  FROM flowcomm.communication c
			  JOIN flowcomm.communication_event qe ON qe.business_id = c.business_id AND qe.communication_id = c.id AND qe.event = 'queued'
			  JOIN flowcomm.communication_event se ON se.business_id = c.business_id AND se.communication_id = c.id AND se.event = 'sent'
			  JOIN sim_req r ON r.response_id = c.provider_message_id
			 WHERE c.business_id = $1)
		SELECT count(*) AS n,
		       percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY arrive_ms) AS arrive,
		       percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY sent_ms) AS sent,
		       max(arrive_ms) AS arrive_max, max(sent_ms) AS sent_max
		  FROM m`, [args.bid]);
	const notSent = await c.query(`SELECT count(*) AS n FROM flowcomm.communication WHERE business_id = $1 AND status <> 'sent'`, [args.bid]);
	await c.end();
	const x = q.rows[0];
	emit({ contender: 'flowcomm', config, mode: 'latency', n: Number(x.n), not_sent: Number(notSent.rows[0].n), sim_requests: reqs.length,
		arrive_p50_ms: x.arrive[0], arrive_p95_ms: x.arrive[1], arrive_p99_ms: x.arrive[2], arrive_max_ms: x.arrive_max,
		sent_p50_ms: x.sent[0], sent_p95_ms: x.sent[1], sent_p99_ms: x.sent[2], sent_max_ms: x.sent_max });
}

// ---------------------------------------------------------------- flowcomm: history/stats query times
async function queries() {
	const { Client } = require('pg');
	const c = new Client({ connectionString: DB });
	await c.connect();
	await c.query(`SET flowcomm.business_id = '${args.bid}'`);
	const month = (await c.query(`SELECT to_char(now() - interval '30 days', 'YYYY-MM-DD') AS f, to_char(now(), 'YYYY-MM-DD') AS t`)).rows[0];
	const Q = {
		history_page: [`SELECT flowcomm.history($1)`, [{ channel: 'sms', status: 'sent', page: 3, size: 20 }]],
		history_contact: [`SELECT flowcomm.history($1)`, [{ recipientContact: '+15551000042', size: 20 }]],
		history_first_page: [`SELECT flowcomm.history($1)`, [{}]],
		stats_month: [`SELECT flowcomm.stats($1)`, [{ startDate: month.f, endDate: month.t }]],
	};
	const rows = Number((await c.query(`SELECT count(*) AS n FROM flowcomm.communication`)).rows[0].n);
	const out = { contender: 'flowcomm', mode: 'queries', rows };
	// Twice: right after the drain ("cold": every page of communication was
	// just rewritten, so index-only scans still visit the heap), and after a
	// VACUUM, as autovacuum leaves a table whose rows are mostly settled.
	for (const suffix of ['_cold_ms', '_ms']) {
		if (suffix === '_ms') await c.query('VACUUM (ANALYZE) flowcomm.communication');
		for (const [name, [sql, params]] of Object.entries(Q)) {
			const t = [];
			for (let i = 0; i < 5; i++) {
				const a = performance.now();
				await c.query(sql, params.map((p) => JSON.stringify(p)));
				t.push(performance.now() - a);
			}
			t.sort((a, b) => a - b);
			out[name + suffix] = t[2];
		}
	}
	// bytes per message: every flowcomm table and index
	const sz = await c.query(`SELECT sum(pg_table_size(c.oid)) FILTER (WHERE c.relkind = 'r') AS tables,
	                                 sum(pg_indexes_size(c.oid)) FILTER (WHERE c.relkind = 'r') AS indexes
	                            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	                           WHERE n.nspname = 'flowcomm' AND c.relkind = 'r'`);
	out.table_bytes_per_msg = Number(sz.rows[0].tables) / rows;
	out.index_bytes_per_msg = Number(sz.rows[0].indexes) / rows;
	const per = await c.query(`SELECT c.relname, pg_table_size(c.oid) AS t, pg_indexes_size(c.oid) AS i
	                             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	                            WHERE n.nspname = 'flowcomm' AND c.relkind = 'r' AND pg_total_relation_size(c.oid) > 1000000
	                            ORDER BY 2 DESC`);
	out.by_table = Object.fromEntries(per.rows.map((r) => [r.relname, [Math.round(Number(r.t) / rows), Math.round(Number(r.i) / rows)]]));
	await c.end();
	emit(out);
}

// ---------------------------------------------------------------- graphile-worker: steady-load latency
// The same load as flowcomm's steady scenario: pgbench, 4 connections, R
// jobs/s for S seconds, each transaction adding one job (graphile_worker.add_job)
// and one row of bench_lat with the job's id, so the enqueue commit time is
// pg_xact_commit_timestamp(bench_lat.xmin) (graphile deletes finished jobs).
// The tuned runner's handler posts the usual Twilio-style request with the
// id in Body; arrival = the simulator's ts_us of that request.
async function gwsteady() {
	const { spawn } = require('child_process');
	const { Client } = require('pg');
	const { request } = require('undici');
	httpPool();
	const utils = await gwUtils();
	const c = new Client({ connectionString: DB });
	await c.connect();
	await c.query('DROP TABLE IF EXISTS bench_lat; CREATE TABLE bench_lat (id bigint PRIMARY KEY)');
	await utils.withPgClient((x) => x.query('DELETE FROM graphile_worker._private_jobs'));
	const since = JSON.parse(await (await request(`${SIM}/_sim/stats`)).body.text()).recorded;
	const script = `${require('os').tmpdir()}/gw_steady_${process.pid}.pgbench`;
	fs.writeFileSync(script, `\\set i random(1, 2000000000)
BEGIN;
INSERT INTO bench_lat (id) VALUES (:i) ON CONFLICT DO NOTHING;
SELECT graphile_worker.add_job('send', json_build_object('ch', 'sms', 'to', '+15551234567', 'body', 'lat ' || :i));
COMMIT;
`);
	let handled = 0;
	const { run } = require('graphile-worker');
	const runner = await run({ connectionString: DB, concurrency: 256, maxPoolSize: 20, noHandleSignals: true,
		preset: { worker: { localQueue: { size: 1000 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
		logger: quietLogger(), taskList: { send: async (m) => { await post(m); handled++; } } });
	const w0 = await dbSnap();
	const b0 = busyJiffies(), s0 = pidJiffies(SIM_PID);
	const u = new URL(DB);
	const pg = spawn(args.pgbench, ['-n', '-h', u.hostname, '-p', u.port || '5432', '-U', u.username || 'postgres',
		'-c', '4', '-j', '2', '-R', String(args.rate), '-T', String(args.seconds), '-f', script, u.pathname.slice(1)],
	{ stdio: ['ignore', 'pipe', 'inherit'] });
	let out = '';
	pg.stdout.on('data', (d) => { out += d; });
	const rc = await new Promise((r) => pg.on('close', r));
	for (let i = 0; i < 100; i++) {
		const left = await utils.withPgClient(async (x) => (await x.query('SELECT count(*)::int AS n FROM graphile_worker._private_jobs')).rows[0].n);
		if (left === 0) break;
		await sleep(100);
	}
	const b1 = busyJiffies(), s1 = pidJiffies(SIM_PID);
	await runner.stop();
	const w1 = await dbSnap();
	const reqs = JSON.parse(await (await request(`${SIM}/_sim/requests?since=${since}&limit=10000000`)).body.text());
	const ids = [], ts = [];
	for (const r of reqs) {
		const m = /(?:^|&)Body=lat(?:\+|%20)(\d+)/.exec(r.body || '');
		if (m) { ids.push(m[1]); ts.push(r.ts_us); }
	}
	const q = await c.query(`
		WITH a AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS a(id, ts_us)),
		m AS (SELECT extract(epoch FROM to_timestamp(a.ts_us / 1e6) - pg_xact_commit_timestamp(l.xmin)) * 1000 AS arrive_ms
		        FROM a JOIN bench_lat l ON l.id = a.id)
		SELECT count(*) AS n, percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY arrive_ms) AS arrive,
		       max(arrive_ms) AS arrive_max FROM m`, [ids, ts]);
	await c.query('DROP TABLE bench_lat');
	await c.end();
	await utils.release();
	fs.unlinkSync(script);
	const x = q.rows[0];
	const tps = /tps = ([0-9.]+)/.exec(out);
	emit({ contender: 'graphile', config: 'tuned', mode: 'latency', n: Number(x.n), handled, pgbench_rc: rc,
		offered_rate: Number(args.rate), rate: tps ? Number(tps[1]) : 0,
		arrive_p50_ms: x.arrive && x.arrive[0], arrive_p95_ms: x.arrive && x.arrive[1], arrive_p99_ms: x.arrive && x.arrive[2],
		arrive_max_ms: x.arrive_max, busy_cpu_s: (b1 - b0) / 100, sim_cpu_s: (s1 - s0) / 100, ...walFields(w0, w1, handled) });
	await pool.close();
}

const main = { drain, enqueue, bulk, latency, queries, gwsteady }[mode];
if (!main) { console.error('usage: contender.js drain|enqueue|bulk --contender pgboss|graphile ...'); process.exit(2); }
const killer = setTimeout(() => { console.error('contender.js: overall time limit reached'); process.exit(3); },
	(parseFloat(args.limit || '1800')) * 1000);
killer.unref();
main().then(() => process.exit(0), (e) => { console.error('contender.js:', e.stack || e); process.exit(1); });
