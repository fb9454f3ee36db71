// bench.js — the Handlebars.js side of bench/template/run.sh.
//
// Compiles the same templates once with {compat: true} (mustache-style
// context lookup, as flowcomm does), registers helpers equivalent to the
// engine's (Intl formatters cached, as a tuned Node service would), renders
// N times and prints "name renders/s bytes" lines.
'use strict';

const fs = require('fs');
const path = require('path');
const Handlebars = require('handlebars');

const N = Number(process.argv[2]) || 100000;
const repo = path.resolve(__dirname, '..', '..');

// Body of a templates/*.tpl file: what follows the "---" header line.
function body(name) {
	const text = fs.readFileSync(path.join(repo, 'templates', name), 'utf8');
	return text.slice(text.indexOf('\n---\n') + 5).replace(/\n$/, '');
}

const cache = new Map();
function cached(key, make) {
	let f = cache.get(key);
	if (!f) {
		f = make();
		cache.set(key, f);
	}
	return f;
}

function args(list) {
	return Array.prototype.slice.call(list, 0, list.length - 1);
}

Handlebars.registerHelper('currency', function () {
	const [amount, code, locale] = args(arguments);
	if (amount === undefined || amount === null) return '';
	const loc = typeof locale === 'string' ? locale : 'en-US';
	return cached('c' + loc + code, () =>
		new Intl.NumberFormat(loc, { style: 'currency', currency: code })).format(Number(amount));
});
Handlebars.registerHelper('date', function () {
	const [value, style, tz, locale] = args(arguments);
	if (!value) return '';
	const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
	const loc = typeof locale === 'string' ? locale : 'en-US';
	const zone = dateOnly || typeof tz !== 'string' ? 'UTC' : tz;
	const st = typeof style === 'string' ? style : 'medium';
	return cached('d' + loc + zone + st, () =>
		new Intl.DateTimeFormat(loc, { dateStyle: st, timeZone: zone })).format(new Date(value));
});
Handlebars.registerHelper('default', (v, fb) => (v === undefined || v === null || v === '' || v === false ? fb : v));
Handlebars.registerHelper('upper', (v) => String(v ?? '').toUpperCase());
Handlebars.registerHelper('lower', (v) => String(v ?? '').toLowerCase());
Handlebars.registerHelper('truncate', (v, n) => {
	const chars = Array.from(String(v ?? ''));
	return chars.length <= n ? chars.join('') : chars.slice(0, n - 1).join('').trimEnd() + '\u2026';
});
Handlebars.registerHelper('phone', (v) => {
	const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(v || '');
	if (m) return `+1 (${m[1]}) ${m[2]}-${m[3]}`;
	const d = /^\+(\d{2})(\d+)$/.exec(v || '');
	return d ? `+${d[1]} ${d[2].replace(/(\d{3})(?=\d{4})/g, '$1 ')}` : v;
});
Handlebars.registerHelper('ifEquals', function (a, b, options) {
	return a == b ? options.fn(this) : options.inverse(this); // eslint-disable-line eqeqeq
});

Handlebars.registerPartial('partial_header', body('partial_header.email.en.tpl'));
Handlebars.registerPartial('partial_footer', body('partial_footer.email.en.tpl'));

const data = JSON.parse(fs.readFileSync(path.join(__dirname, 'data.json'), 'utf8'));
// SMS is plain text: flowcomm renders it with escape 'none', Handlebars with noEscape.
const cases = [
	['sms_invoice', body('invoice.sms.en.tpl'), true],
	['email_invoice', body('invoice.email.en.tpl'), false],
];

for (const [name, src, noEscape] of cases) {
	const tpl = Handlebars.compile(src, { compat: true, noEscape });
	let bytes = tpl(data).length;
	for (let i = 0; i < 1000; i++) tpl(data);		// warm up the JIT
	const t0 = process.hrtime.bigint();
	for (let i = 0; i < N; i++) bytes = tpl(data).length;
	const secs = Number(process.hrtime.bigint() - t0) / 1e9;
	console.log(`${name} ${Math.round(N / secs)} ${bytes}`);
}
