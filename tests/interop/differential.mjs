// differential.mjs - lake-query against DuckDB on public data nobody here
// wrote (npm's vega-datasets).  Run by t-differential.sh, which installs
// DuckDB and the data and copies this file beside their node_modules.
//
// 1. DuckDB reads each source file directly (read_csv / read_json on the
//    original bytes, never lake's DDL): it is the oracle of what the data
//    means.  Its statistics of each column (min, max, quantiles, most
//    common value; min and max of each file lake will write and of each
//    partition) are the constants the queries use: nothing is hard-coded.
// 2. Queries come from templates x datasets x columns (by the column's
//    type as DuckDB reads it), deterministically, numbered, and are written
//    to queries.ndjson, one line per (query, landing).
// 3. lake lands each dataset every way it lands data: lake-put as the
//    source's format (CSV kept as CSV, TSV as TSV, JSON as NDJSON), --to
//    ndjson, --to parquet, the source copied under data/ and crawled, a
//    Parquet file DuckDB writes from it (row groups of 2048 rows) copied
//    in and crawled, and partitioned (--partition-by, as CSV/NDJSON and
//    as Parquet) where a column suits; put landings are cut into three
//    files (--batch-rows) so per-file statistics matter.
// 4. Every query runs on lake-query (one process per table, statements
//    separated by marker rows) and on DuckDB; the rows are compared
//    exactly, normalising only presentation: integral doubles print as
//    integers, booleans as SQLite's 1/0, a timestamp's spelling (T or space,
//    Z, an offset, trailing zero fractions) as one UTC form.  Every query
//    has an ORDER BY over all its output columns, so row order is part of
//    the answer.
//
// Environment: DIFF_VEGA (the package's data directory), DIFF_WORK (a
// scratch directory; the lake is DIFF_WORK/lake), DIFF_FILTER (a regular
// expression: only the queries whose "qN TABLE LANDING TEMPLATE" matches),
// DIFF_JOBS (lake-query processes at once, 2), DIFF_LIST=1 (write and
// print the queries, run nothing), DIFF_FULL=1 (every template on every
// column: about 12,000 queries, for a deeper look than ctest's).  Prints every mismatch as
// "query N (TABLE, LANDING) [TEMPLATE]: SQL: lake=... duckdb=..." and exits 1
// if there is any.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const VEGA = process.env.DIFF_VEGA;
const WORK = process.env.DIFF_WORK;
const FILTER = process.env.DIFF_FILTER ? new RegExp(process.env.DIFF_FILTER) : null;
const JOBS = Math.max(1, Number(process.env.DIFF_JOBS || 2));
const LIST_ONLY = process.env.DIFF_LIST === '1';
if (!VEGA || !WORK) {
	console.error('differential.mjs: set DIFF_VEGA and DIFF_WORK');
	process.exit(64);
}
const LAKE = path.join(WORK, 'lake');
const SRC = path.join(WORK, 'src');
const started = Date.now();
const elapsed = () => ((Date.now() - started) / 1000).toFixed(1) + 's';

// The datasets.  file: in the package; every: keep the header and each
// N-th line (a deterministic sample, to bound the time); part: lake-put's
// --partition-by, with partExpr the same key as DuckDB computes it from
// the source; cols: the columns the templates use (default all);
// duckRead: how DuckDB reads the file where its own guess is not the
// data's meaning under lake's SPEC (see the note at each).
const DATASETS = [
	{ name: 'flights', file: 'flights-2k.json' },
	{ name: 'airports', file: 'airports.csv', part: 'pk_country=country', partExpr: '"country"' },
	{ name: 'weather', file: 'seattle-weather.csv', part: 'pk_year=date:year', partExpr: 'year("date")',
		cols: ['date', 'precipitation', 'temp_max', 'wind', 'weather'] },
	{ name: 'weather2', file: 'weather.csv', every: 2, part: 'pk_location=location', partExpr: '"location"',
		cols: ['location', 'date', 'temp_max', 'weather'] },
	{ name: 'hourly', file: 'seattle-weather-hourly-normals.csv', every: 2, part: 'pk_month=date:month', partExpr: 'strftime("date", \'%Y-%m\')' },
	{ name: 'industries', file: 'unemployment-across-industries.json', part: 'pk_year=date:year', partExpr: 'year("date")',
		cols: ['series', 'count', 'rate', 'date'] },
	{ name: 'unemployment', file: 'unemployment.tsv' },
	// Nine titles are JSON numbers (1776, 2012...): DuckDB calls the
	// column JSON; its meaning is the title's text, as lake widens it.
	{ name: 'movies', file: 'movies.json', part: 'pk_rating=MPAA Rating', partExpr: '"MPAA Rating"',
		duckRead: (f) => `SELECT * REPLACE (json_extract_string("Title", '$') AS "Title") FROM read_json('${f}')`,
		cols: ['Title', 'US Gross', 'Release Date', 'MPAA Rating', 'Running Time min', 'Major Genre', 'IMDB Rating'] },
	{ name: 'cars', file: 'cars.json', part: 'pk_origin=Origin', partExpr: '"Origin"',
		cols: ['Name', 'Miles_per_Gallon', 'Horsepower', 'Acceleration', 'Year', 'Origin'] },
	{ name: 'monarchs', file: 'monarchs.json', part: 'pk_commonwealth=commonwealth', partExpr: '"commonwealth"' },
	{ name: 'zipcodes', file: 'zipcodes.csv', every: 10, part: 'pk_state=state', partExpr: '"state"' },
	{ name: 'stocks', file: 'stocks.csv', part: 'pk_symbol=symbol', partExpr: '"symbol"' },
	{ name: 'birdstrikes', file: 'birdstrikes.csv', every: 4, part: 'pk_year=Flight Date:year', partExpr: 'year("Flight Date")',
		cols: ['Airport Name', 'Effect Amount of damage', 'Flight Date', 'Wildlife Size', 'Cost Total $', 'Speed IAS in knots'] },
	{ name: 'penguins', file: 'penguins.json', part: 'pk_sex=Sex', partExpr: '"Sex"',
		cols: ['Species', 'Island', 'Beak Length (mm)', 'Flipper Length (mm)', 'Sex'] },
	{ name: 'jobs', file: 'jobs.json', every: 4 },
	{ name: 'riots', file: 'la-riots.csv', cols: ['first_name', 'age', 'gender', 'death_date', 'neighborhood', 'longitude'] },
	{ name: 'employment', file: 'us-employment.csv', cols: ['month', 'nonfarm', 'wholesale_trade', 'nonfarm_change'] },
	{ name: 'people', file: 'lookup_people.csv' },
	{ name: 'groups', file: 'lookup_groups.csv' },
	{ name: 'population', file: 'population.json', part: 'pk_sex=sex', partExpr: '"sex"',
		cols: ['year', 'age', 'people'] },
];
const byName = Object.fromEntries(DATASETS.map((d) => [d.name, d]));

// ---- DuckDB ---------------------------------------------------------------

const duck = await (await DuckDBInstance.create(':memory:')).connect();
await duck.run("SET TimeZone = 'UTC'; SET threads = 1");
async function duckRows(sql) {
	const r = await duck.runAndReadAll(sql);
	return r.getRows();
}
const qi = (name) => '"' + name.replace(/"/g, '""') + '"';
const qs = (text) => "'" + String(text).replace(/'/g, "''") + "'";

fs.mkdirSync(SRC, { recursive: true });
for (const d of DATASETS) {
	const from = path.join(VEGA, d.file);
	d.ext = path.extname(d.file).slice(1);
	if (d.every) {
		// Keep the header and every N-th record (lines for CSV, array
		// elements for JSON), written the way the original is.
		d.src = path.join(SRC, d.file);
		if (d.ext === 'json') {
			const all = JSON.parse(fs.readFileSync(from, 'utf8'));
			fs.writeFileSync(d.src, '[\n' + all.filter((_, i) => i % d.every === 0).map((r) => JSON.stringify(r)).join(',\n') + '\n]\n');
		} else {
			const lines = fs.readFileSync(from, 'utf8').split('\n');
			const keep = [lines[0]];
			for (let i = 1; i < lines.length; i++) if (lines[i] !== '' && (i - 1) % d.every === 0) keep.push(lines[i]);
			fs.writeFileSync(d.src, keep.join('\n') + '\n');
		}
	} else {
		d.src = from;
	}
	const read = d.duckRead ? d.duckRead(d.src)
		: d.ext === 'json' ? `SELECT * FROM read_json('${d.src}')`
		: d.ext === 'tsv' ? `SELECT * FROM read_csv('${d.src}', delim='\t', header=true)`
		: `SELECT * FROM read_csv('${d.src}', header=true)`;
	// Rows numbered in file order (one thread): which of the three files
	// lake-put writes each row lands in.
	await duck.run(`CREATE TABLE ${d.name}__src AS SELECT row_number() OVER () AS __rn, * FROM (${read})`);
	const pk = d.part ? `, ${d.partExpr} AS ${qi(d.part.split('=')[0])}` : '';
	await duck.run(`CREATE VIEW ${d.name} AS SELECT *${pk} FROM ${d.name}__src`);
	d.rows = Number((await duckRows(`SELECT count(*) FROM ${d.name}__src`))[0][0]);
	d.batch = Math.max(1, Math.ceil(d.rows / 3));
	d.columns = [];
	for (const [name, type] of await duckRows(`SELECT column_name, column_type FROM (DESCRIBE ${d.name}__src) WHERE column_name <> '__rn'`)) {
		const kind = /^(BIGINT|HUGEINT|INTEGER|SMALLINT|TINYINT|UBIGINT|DOUBLE|FLOAT)$/.test(type) ? 'num'
			: type === 'VARCHAR' ? 'str' : type === 'DATE' ? 'date' : type === 'TIMESTAMP' ? 'ts'
			: type === 'BOOLEAN' ? 'bool' : null;
		d.columns.push({ name, type, kind });
	}
	d.used = d.columns.filter((c) => c.kind && (!d.cols || d.cols.includes(c.name)));
	d.landings = d.ext === 'json' ? ['ndjson', 'parquet', 'crawl'] : [d.ext, 'ndjson', 'parquet', 'crawl'];
	d.landings.push('crawl_parquet');
	if (d.part) d.landings.push('part', 'part_parquet');
}
await duck.run('SET threads = 2');

// Statistics: each value is DuckDB's text of it (CAST AS VARCHAR).
async function stats(d, c) {
	const col = qi(c.name);
	const v = (x) => `CAST(${x} AS VARCHAR)`;
	const [row] = await duckRows(`SELECT ${v(`min(${col})`)}, ${v(`max(${col})`)}, count(${col}), count(DISTINCT ${col}),
		${[0.1, 0.25, 0.5, 0.75, 0.9].map((p) => v(`quantile_disc(${col}, ${p})`)).join(', ')},
		(SELECT ${v(col)} FROM ${d.name} WHERE ${col} IS NOT NULL GROUP BY ${col} ORDER BY count(*) DESC, ${col} LIMIT 1)
		FROM ${d.name}`);
	const s = { min: row[0], max: row[1], nonnull: Number(row[2]), distinct: Number(row[3]),
		q10: row[4], q25: row[5], q50: row[6], q75: row[7], q90: row[8], mode: row[9] };
	// The min and max of the middle one of the three files lake-put writes.
	const [file] = await duckRows(`SELECT ${v(`min(${col})`)}, ${v(`max(${col})`)} FROM ${d.name}
		WHERE __rn > ${d.batch} AND __rn <= ${2 * d.batch}`);
	s.fmin = file[0];
	s.fmax = file[1];
	if (d.part) {
		// ... and of the partition holding the most rows.
		const pk = qi(d.part.split('=')[0]);
		const [p] = await duckRows(`SELECT ${v(`min(${col})`)}, ${v(`max(${col})`)} FROM ${d.name} WHERE ${pk} IS NOT DISTINCT FROM
			(SELECT ${pk} FROM ${d.name} GROUP BY ${pk} ORDER BY count(*) DESC, ${pk} LIMIT 1)`);
		s.pmin = p[0];
		s.pmax = p[1];
	}
	return s;
}

// ---- literals: one meaning, two spellings ---------------------------------

// A literal renders as lake is asked (the spelling under test) and as
// DuckDB is asked (an unambiguous literal of the meaning the spelling has).
const lit = (lake, duckText) => ({ lake, duck: duckText ?? lake });
const num = (text) => lit(text);
const str = (text) => lit(qs(text));
const date = (d) => lit(qs(d), `DATE ${qs(d)}`);
// A timestamp from DuckDB's text (UTC, "YYYY-MM-DD HH:MM:SS[.f]") spelt
// several ways, each meaning the same instant (the date alone means its
// midnight): lake is asked in the spelling, DuckDB in the instant.
function tsParts(canon) {
	const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)?$/.exec(canon);
	return m ? { day: m[1], time: m[2], frac: m[3] || '' } : null;
}
function shifted(canon, hours) {
	const p = tsParts(canon);
	const t = new Date(`${p.day}T${p.time}Z`).getTime() + hours * 3600e3;
	return new Date(t).toISOString().slice(0, 19) + p.frac;
}
function ts(canon, spelling) {
	const p = tsParts(canon);
	if (!p) return lit('NULL');
	const meaning = (text) => lit(qs(text), `TIMESTAMP ${qs(canon)}`);
	switch (spelling) {
	case 'space': return meaning(canon);
	case 'T': return meaning(`${p.day}T${p.time}${p.frac}`);
	case 'Z': return meaning(`${p.day}T${p.time}${p.frac}Z`);
	case 'msZ': return meaning(`${p.day}T${p.time}${p.frac || '.000'}Z`);
	case '+02:00': return meaning(shifted(canon, 2) + '+02:00');
	case '-05:00': return meaning(shifted(canon, -5) + '-05:00');
	case 'date': return lit(qs(p.day), `TIMESTAMP ${qs(p.day + ' 00:00:00')}`);
	}
	throw new Error(spelling);
}
const TS_SPELLINGS = ['space', 'T', 'Z', 'msZ', '+02:00', '-05:00'];

// ---- templates ------------------------------------------------------------

// A query form: a template name, and its SQL as a function of a renderer
// e = { T(name): the table, L(literal): the literal } for each engine.
// Table placeholders are resolved per landing later.
const forms = [];
// Not every template on every column: the core ones of a column's kind
// on each, and ROTATE of the others in turn, so that each of them still
// meets several datasets and every landing.  DIFF_FULL=1: all on all.
const FULL = process.env.DIFF_FULL === '1';
const ROTATE = 2;
const CORE = {
	num: ['eq_max', 'le_min', 'or_min_max', 'aggregates'],
	str: ['eq_mode', 'gt_max', 'in_list', 'top_values'],
	date: ['eq_min', 'gt_max', 'between_q25_q75', 'ge_median_ts_T', 'aggregates'],
	pair: ['group_aggregates', 'or_two_columns'],
};
const turn = {};
// Templates of KIND on one column: BODY calls form() for each candidate;
// those chosen are kept.
function templatesOf(kind, body) {
	const before = forms.length;
	body();
	if (FULL || !CORE[kind]) return;
	const made = forms.splice(before);
	const others = made.filter((f) => !CORE[kind].includes(f.tpl.slice(f.tpl.indexOf('.') + 1)));
	const start = turn[kind] || 0;
	turn[kind] = start + ROTATE;
	const picked = new Set(Array.from({ length: Math.min(ROTATE, others.length) }, (_, i) => others[(start + i) % others.length]));
	forms.push(...made.filter((f) => !others.includes(f) || picked.has(f)));
}
function form(ds, tpl, build, opts = {}) {
	const lakeE = { T: (n) => `{${n}}`, L: (l) => l.lake };
	const duckE = { T: (n) => n, L: (l) => l.duck };
	forms.push({ ds, tpl, lake: build(lakeE), duck: build(duckE), tables: opts.tables || [ds], partOnly: !!opts.partOnly });
}
const asc = (x) => `${x} ASC NULLS FIRST`;
const desc = (x) => `${x} DESC NULLS LAST`;
const orderAll = (n) => 'ORDER BY ' + Array.from({ length: n }, (_, i) => asc(i + 1)).join(', ');

function numTemplates(d, c, s) {
	const col = qi(c.name);
	const count = (tpl, where, l) => form(d.name, 'num.' + tpl, (e) => `SELECT count(*) AS n FROM ${e.T(d.name)} WHERE ${where(e)}`);
	// DuckDB reads 0.2375... as a DECIMAL literal, which a DOUBLE column
	// never equals exactly: it gets the double the text rounds to.
	const L = (x) => (/^(DOUBLE|FLOAT)$/.test(c.type) ? lit(x, `CAST(${qs(x)} AS DOUBLE)`) : num(x));
	count('eq_min', (e) => `${col} = ${e.L(L(s.min))}`);
	count('eq_max', (e) => `${col} = ${e.L(L(s.max))}`);
	count('ge_max', (e) => `${col} >= ${e.L(L(s.max))}`);
	count('gt_max', (e) => `${col} > ${e.L(L(s.max))}`);
	count('le_min', (e) => `${col} <= ${e.L(L(s.min))}`);
	count('lt_min', (e) => `${col} < ${e.L(L(s.min))}`);
	count('eq_file_min', (e) => `${col} = ${e.L(L(s.fmin))}`);
	count('gt_file_max', (e) => `${col} > ${e.L(L(s.fmax))}`);
	count('le_file_max', (e) => `${col} <= ${e.L(L(s.fmax))}`);
	if (d.part) count('eq_part_max', (e) => `${col} = ${e.L(L(s.pmax))}`);
	count('between_q25_q75', (e) => `${col} BETWEEN ${e.L(L(s.q25))} AND ${e.L(L(s.q75))}`);
	count('or_tails', (e) => `${col} < ${e.L(L(s.q10))} OR ${col} > ${e.L(L(s.q90))}`);
	count('or_min_max', (e) => `${col} = ${e.L(L(s.min))} OR ${col} = ${e.L(L(s.max))}`);
	count('or_file_bounds', (e) => `${col} = ${e.L(L(s.fmin))} OR ${col} = ${e.L(L(s.fmax))} OR ${col} IS NULL`);
	count('in_quantiles', (e) => `${col} IN (${e.L(L(s.q10))}, ${e.L(L(s.q50))}, ${e.L(L(s.q90))})`);
	count('not_ne_median', (e) => `NOT (${col} <> ${e.L(L(s.q50))})`);
	count('is_null', () => `${col} IS NULL`);
	count('gt_median_and_le_q75', (e) => `${col} > ${e.L(L(s.q50))} AND ${col} <= ${e.L(L(s.q75))}`);
	// Spellings of the same number.
	const m = Number(s.q50);
	count('eq_median_exponent', (e) => `${col} = ${e.L(L(m.toExponential()))}`);
	count('eq_median_quoted', (e) => `${col} = ${e.L(lit(qs(s.q50)))}`);
	if (Number.isInteger(m)) count('eq_median_as_real', (e) => `${col} = ${e.L(L(m.toFixed(1)))}`);
	form(d.name, 'num.aggregates', (e) => `SELECT count(${col}) AS n, min(${col}) AS lo, max(${col}) AS hi, round(sum(${col}), 6) AS total, round(avg(${col}), 6) AS mean FROM ${e.T(d.name)}`);
	form(d.name, 'num.top_values', (e) => `SELECT ${col} AS v, count(*) AS n FROM ${e.T(d.name)} GROUP BY ${col} ORDER BY ${desc('n')}, ${asc('v')} LIMIT 5`);
	form(d.name, 'num.rows_at_max', (e) => `SELECT ${d.used.map((u) => qi(u.name)).join(', ')} FROM ${e.T(d.name)} WHERE ${col} >= ${e.L(L(s.q90))} ${orderAll(d.used.length)} LIMIT 10`);
}

function strTemplates(d, c, s) {
	const col = qi(c.name);
	const count = (tpl, where) => form(d.name, 'str.' + tpl, (e) => `SELECT count(*) AS n FROM ${e.T(d.name)} WHERE ${where(e)}`);
	count('eq_mode', (e) => `${col} = ${e.L(str(s.mode))}`);
	count('eq_min', (e) => `${col} = ${e.L(str(s.min))}`);
	count('eq_max', (e) => `${col} = ${e.L(str(s.max))}`);
	count('gt_max', (e) => `${col} > ${e.L(str(s.max))}`);
	count('lt_min', (e) => `${col} < ${e.L(str(s.min))}`);
	count('ge_file_max', (e) => `${col} >= ${e.L(str(s.fmax))}`);
	count('lt_file_min', (e) => `${col} < ${e.L(str(s.fmin))}`);
	if (d.part) count('eq_part_min', (e) => `${col} = ${e.L(str(s.pmin))}`);
	count('in_list', (e) => `${col} IN (${e.L(str(s.q25))}, ${e.L(str(s.q75))}, ${e.L(str('no such value'))})`);
	count('between_q25_q50', (e) => `${col} BETWEEN ${e.L(str(s.q25))} AND ${e.L(str(s.q50))}`);
	count('ge_median_or_null', (e) => `${col} >= ${e.L(str(s.q50))} OR ${col} IS NULL`);
	count('is_null', () => `${col} IS NULL`);
	count('empty', () => `${col} = ''`);
	count('first_letter', (e) => `substr(${col}, 1, 1) = ${e.L(str(String(s.mode).slice(0, 1)))}`);
	form(d.name, 'str.distinct', (e) => `SELECT DISTINCT ${col} AS v FROM ${e.T(d.name)} ORDER BY ${asc('v')} LIMIT 10`);
	form(d.name, 'str.top_values', (e) => `SELECT ${col} AS v, count(*) AS n FROM ${e.T(d.name)} GROUP BY ${col} ORDER BY ${desc('n')}, ${asc('v')} LIMIT 8`);
	form(d.name, 'str.aggregates', (e) => `SELECT count(DISTINCT ${col}) AS k, min(${col}) AS lo, max(${col}) AS hi, min(length(${col})) AS shortest, max(length(${col})) AS longest FROM ${e.T(d.name)}`);
}

function dateTemplates(d, c, s) {
	const col = qi(c.name);
	const count = (tpl, where) => form(d.name, 'date.' + tpl, (e) => `SELECT count(*) AS n FROM ${e.T(d.name)} WHERE ${where(e)}`);
	count('eq_min', (e) => `${col} = ${e.L(date(s.min))}`);
	count('eq_max', (e) => `${col} = ${e.L(date(s.max))}`);
	count('gt_max', (e) => `${col} > ${e.L(date(s.max))}`);
	count('lt_min', (e) => `${col} < ${e.L(date(s.min))}`);
	count('ge_file_min', (e) => `${col} >= ${e.L(date(s.fmin))}`);
	count('gt_file_max', (e) => `${col} > ${e.L(date(s.fmax))}`);
	if (d.part) count('le_part_max', (e) => `${col} <= ${e.L(date(s.pmax))}`);
	count('between_q25_q75', (e) => `${col} BETWEEN ${e.L(date(s.q25))} AND ${e.L(date(s.q75))}`);
	count('or_min_max', (e) => `${col} = ${e.L(date(s.min))} OR ${col} = ${e.L(date(s.max))}`);
	count('in_quantiles', (e) => `${col} IN (${e.L(date(s.q10))}, ${e.L(date(s.q50))}, ${e.L(date(s.q90))})`);
	count('is_null', () => `${col} IS NULL`);
	// A date against a timestamp literal: midnight of that day.
	for (const sp of ['T', 'space', 'Z']) {
		count(`ge_median_ts_${sp}`, (e) => `${col} >= ${e.L(ts(s.q50 + ' 00:00:00', sp))}`);
	}
	form(d.name, 'date.aggregates', (e) => `SELECT min(${col}) AS lo, max(${col}) AS hi, count(${col}) AS n, count(DISTINCT ${col}) AS k FROM ${e.T(d.name)}`);
	form(d.name, 'date.by_month', (e) => `SELECT substr(CAST(${col} AS VARCHAR), 1, 7) AS ym, count(*) AS n FROM ${e.T(d.name)} GROUP BY ym ORDER BY ${asc('ym')} LIMIT 12`);
	form(d.name, 'date.latest', (e) => `SELECT ${col} AS v FROM ${e.T(d.name)} ORDER BY ${desc('v')} LIMIT 3`);
}

function tsTemplates(d, c, s) {
	const col = qi(c.name);
	const count = (tpl, where) => form(d.name, 'ts.' + tpl, (e) => `SELECT count(*) AS n FROM ${e.T(d.name)} WHERE ${where(e)}`);
	// Every spelling of one instant, with =, >= and <.
	for (const sp of TS_SPELLINGS) {
		count(`eq_median_${sp}`, (e) => `${col} = ${e.L(ts(s.q50, sp))}`);
		count(`ge_median_${sp}`, (e) => `${col} >= ${e.L(ts(s.q50, sp))}`);
		count(`lt_median_${sp}`, (e) => `${col} < ${e.L(ts(s.q50, sp))}`);
	}
	count('eq_min', (e) => `${col} = ${e.L(ts(s.min, 'T'))}`);
	count('eq_max_Z', (e) => `${col} = ${e.L(ts(s.max, 'Z'))}`);
	count('gt_max', (e) => `${col} > ${e.L(ts(s.max, 'space'))}`);
	count('lt_min_Z', (e) => `${col} < ${e.L(ts(s.min, 'Z'))}`);
	count('ge_file_min', (e) => `${col} >= ${e.L(ts(s.fmin, 'T'))}`);
	count('gt_file_max_space', (e) => `${col} > ${e.L(ts(s.fmax, 'space'))}`);
	if (d.part) count('le_part_max_+02:00', (e) => `${col} <= ${e.L(ts(s.pmax, '+02:00'))}`);
	count('ge_date_q75', (e) => `${col} >= ${e.L(ts(s.q75, 'date'))}`);
	count('between_q25_q75', (e) => `${col} BETWEEN ${e.L(ts(s.q25, 'space'))} AND ${e.L(ts(s.q75, 'T'))}`);
	count('or_min_max', (e) => `${col} = ${e.L(ts(s.min, 'T'))} OR ${col} = ${e.L(ts(s.max, 'T'))}`);
	count('in_quantiles_Z', (e) => `${col} IN (${e.L(ts(s.q10, 'Z'))}, ${e.L(ts(s.q50, 'Z'))}, ${e.L(ts(s.q90, 'Z'))})`);
	count('is_null', () => `${col} IS NULL`);
	form(d.name, 'ts.aggregates', (e) => `SELECT min(${col}) AS lo, max(${col}) AS hi, count(${col}) AS n, count(DISTINCT ${col}) AS k FROM ${e.T(d.name)}`);
	form(d.name, 'ts.by_day', (e) => `SELECT substr(CAST(${col} AS VARCHAR), 1, 10) AS day, count(*) AS n FROM ${e.T(d.name)} GROUP BY day ORDER BY ${desc('n')}, ${asc('day')} LIMIT 5`);
	form(d.name, 'ts.latest', (e) => `SELECT ${col} AS v FROM ${e.T(d.name)} ORDER BY ${desc('v')} LIMIT 3`);
	form(d.name, 'ts.earliest_after_median', (e) => `SELECT ${col} AS v FROM ${e.T(d.name)} WHERE ${col} > ${e.L(ts(s.q50, 'Z'))} ORDER BY ${asc('v')} LIMIT 3`);
}

function boolTemplates(d, c) {
	const col = qi(c.name);
	for (const [tpl, where] of [['true', col], ['not', `NOT ${col}`], ['is_null', `${col} IS NULL`],
		['eq_true', `${col} = true`], ['eq_1', `${col} = 1`], ['is_not_true', `${col} IS NOT TRUE`],
		['is_false', `${col} IS FALSE`], ['or_null', `${col} OR ${col} IS NULL`]]) {
		form(d.name, 'bool.' + tpl, (e) => `SELECT count(*) AS n FROM ${e.T(d.name)} WHERE ${where}`);
	}
	form(d.name, 'bool.group', (e) => `SELECT ${col} AS v, count(*) AS n FROM ${e.T(d.name)} GROUP BY ${col} ORDER BY ${asc('v')}`);
}

// Partition keys: lake's partition column, DuckDB's partExpr.
function partTemplates(d) {
	const key = d.part.split('=')[0];
	const col = qi(key);
	const o = { partOnly: true };
	form(d.name, 'part.group', (e) => `SELECT ${col} AS k, count(*) AS n FROM ${e.T(d.name)} GROUP BY ${col} ORDER BY ${asc('k')}`, o);
	form(d.name, 'part.eq_largest', (e) => `SELECT count(*) AS n FROM ${e.T(d.name)} WHERE ${col} = (SELECT ${col} FROM ${e.T(d.name)} GROUP BY ${col} ORDER BY count(*) DESC, ${col} LIMIT 1)`, o);
	form(d.name, 'part.is_null', (e) => `SELECT count(*) AS n FROM ${e.T(d.name)} WHERE ${col} IS NULL`, o);
	form(d.name, 'part.min_max', (e) => `SELECT min(${col}) AS lo, max(${col}) AS hi, count(DISTINCT ${col}) AS k FROM ${e.T(d.name)}`, o);
}

// Two columns: groups and windows.
function pairTemplates(d) {
	// Groups by the string column with the fewest values (more than one).
	const s = d.used.filter((c) => c.kind === 'str' && c.stats.distinct > 1)
		.sort((a, b) => a.stats.distinct - b.stats.distinct)[0];
	const x = [...d.used].reverse().find((c) => c.kind === 'num');
	if (!s || !x) return;
	const S = qi(s.name);
	const X = qi(x.name);
	const xs = x.stats;
	const XL = (t) => (/^(DOUBLE|FLOAT)$/.test(x.type) ? lit(t, `CAST(${qs(t)} AS DOUBLE)`) : num(t));
	// Two columns in one OR: a row that only one side of it matches must
	// survive whatever skipping (files, row groups) each side allows.
	form(d.name, 'pair.or_two_columns', (e) => `SELECT count(*) AS n FROM ${e.T(d.name)} WHERE ${S} = ${e.L(str(s.stats.min))} OR ${X} = ${e.L(XL(xs.max))}`);
	form(d.name, 'pair.or_two_columns_file_bounds', (e) => `SELECT count(*) AS n FROM ${e.T(d.name)} WHERE ${X} > ${e.L(XL(xs.fmax))} OR ${S} < ${e.L(str(s.stats.fmin))}`);
	form(d.name, 'pair.and_two_columns', (e) => `SELECT count(*) AS n FROM ${e.T(d.name)} WHERE ${S} = ${e.L(str(s.stats.mode))} AND ${X} >= ${e.L(XL(xs.q50))}`);
	form(d.name, 'pair.group_aggregates', (e) => `SELECT ${S} AS g, count(*) AS n, count(${X}) AS nx, min(${X}) AS lo, max(${X}) AS hi, round(avg(${X}), 6) AS mean FROM ${e.T(d.name)} GROUP BY ${S} ORDER BY ${desc('n')}, ${asc('g')} LIMIT 10`);
	form(d.name, 'pair.having', (e) => `SELECT ${S} AS g, round(sum(${X}), 6) AS total FROM ${e.T(d.name)} GROUP BY ${S} HAVING count(*) > 1 ORDER BY ${desc('total')}, ${asc('g')} LIMIT 10`);
	form(d.name, 'pair.window_rank', (e) => `SELECT g, v, r FROM (SELECT ${S} AS g, ${X} AS v, rank() OVER (PARTITION BY ${S} ORDER BY ${desc(X)}) AS r FROM ${e.T(d.name)}) WHERE r <= 2 ORDER BY ${asc('g')}, ${asc('r')}, ${asc('v')} LIMIT 40`);
	form(d.name, 'pair.window_share', (e) => `SELECT g, v, round(v * 1.0 / total, 9) AS share FROM (SELECT ${S} AS g, ${X} AS v, sum(${X}) OVER (PARTITION BY ${S}) AS total FROM ${e.T(d.name)} WHERE ${X} > 0) ORDER BY ${desc('share')}, ${asc('g')}, ${asc('v')} LIMIT 10`);
	form(d.name, 'pair.window_dense_rank_ntile', (e) => `SELECT g, n, dense_rank() OVER (ORDER BY ${desc('n')}) AS dr FROM (SELECT ${S} AS g, count(*) AS n FROM ${e.T(d.name)} GROUP BY ${S}) ORDER BY ${asc('dr')}, ${asc('g')} LIMIT 10`);
	form(d.name, 'pair.distinct_pairs', (e) => `SELECT DISTINCT ${S} AS g, ${X} AS v FROM ${e.T(d.name)} ORDER BY ${asc('g')}, ${asc('v')} LIMIT 15 OFFSET 5`);
}

// The whole table, every column, in a total order: every value compared.
function wholeTemplates(d) {
	const cols = d.used.map((c) => qi(c.name));
	form(d.name, 'all.count', (e) => `SELECT count(*) AS n FROM ${e.T(d.name)}`);
	form(d.name, 'all.rows', (e) => `SELECT ${cols.join(', ')} FROM ${e.T(d.name)} ${orderAll(cols.length)}`);
}

// Windows over an order that is total (unique keys), joins across tables.
function specialTemplates() {
	const hourlyTs = byName.hourly.used.find((c) => c.kind === 'ts').stats.q50;
	const W = form;
	W('weather', 'window.lag_by_date', (e) => `SELECT "date" AS d, "temp_max" - lag("temp_max") OVER (ORDER BY "date") AS jump FROM ${e.T('weather')} ORDER BY ${desc('jump')}, ${asc('d')} LIMIT 10`);
	W('weather', 'window.moving_avg', (e) => `SELECT "date" AS d, round(avg("precipitation") OVER (ORDER BY "date" ROWS BETWEEN 6 PRECEDING AND CURRENT ROW), 6) AS week FROM ${e.T('weather')} ORDER BY ${desc('week')}, ${asc('d')} LIMIT 10`);
	W('weather', 'window.running_rain_by_year', (e) => `SELECT substr(CAST("date" AS VARCHAR), 1, 4) AS y, max(run) AS most FROM (SELECT "date", round(sum("precipitation") OVER (PARTITION BY substr(CAST("date" AS VARCHAR), 1, 4) ORDER BY "date"), 6) AS run FROM ${e.T('weather')}) GROUP BY y ORDER BY ${asc('y')}`);
	W('hourly', 'window.lead_by_ts', (e) => `SELECT "date" AS t, lead("temperature") OVER (ORDER BY "date") - "temperature" AS rise FROM ${e.T('hourly')} ORDER BY ${desc('rise')}, ${asc('t')} LIMIT 5`);
	W('hourly', 'window.daily_max_first', (e) => `SELECT t, temperature FROM (SELECT "date" AS t, "temperature", row_number() OVER (PARTITION BY substr(CAST("date" AS VARCHAR), 1, 10) ORDER BY "temperature" DESC, "date") AS r FROM ${e.T('hourly')}) WHERE r = 1 AND t < ${e.L(ts(hourlyTs, '+02:00'))} ORDER BY ${asc('t')} LIMIT 20`);
	W('industries', 'window.rank_rate', (e) => `SELECT "series" AS s, "date" AS t, "rate" AS r FROM (SELECT *, rank() OVER (PARTITION BY "series" ORDER BY "rate" DESC) AS k FROM ${e.T('industries')}) WHERE k = 1 ORDER BY ${asc('s')}, ${asc('t')}`);
	W('stocks', 'window.percent_rank', (e) => `SELECT "symbol" AS s, "date" AS d, round(percent_rank() OVER (PARTITION BY "symbol" ORDER BY "price"), 9) AS pr FROM ${e.T('stocks')} ORDER BY ${desc('pr')}, ${asc('s')}, ${asc('d')} LIMIT 10`);
	W('cars', 'window.cume_dist', (e) => `SELECT "Name" AS n, "Year" AS y, round(cume_dist() OVER (PARTITION BY "Origin" ORDER BY "Horsepower" NULLS FIRST), 9) AS cd FROM ${e.T('cars')} WHERE "Horsepower" IS NULL OR "Horsepower" > 200 ORDER BY ${asc('n')}, ${asc('y')}, ${asc('cd')}`);
	const J = (tpl, tables, f) => form(tables[0], tpl, f, { tables });
	// Joins over materialized CTEs, which SQLite indexes: a join of two
	// virtual tables would rescan the inner one for each outer row.
	J('join.flights_origin_state', ['flights', 'airports'], (e) => `WITH a AS MATERIALIZED (SELECT "iata", "state" FROM ${e.T('airports')}), f AS MATERIALIZED (SELECT "origin", "delay" FROM ${e.T('flights')}) SELECT a."state" AS st, count(*) AS n, round(avg(f."delay"), 6) AS mean_delay FROM f JOIN a ON a."iata" = f."origin" GROUP BY st ORDER BY ${desc('n')}, ${asc('st')} LIMIT 15`);
	J('join.flights_both_ends', ['flights', 'airports'], (e) => `WITH a AS MATERIALIZED (SELECT "iata", "state", "latitude" FROM ${e.T('airports')}), f AS MATERIALIZED (SELECT "origin", "destination", "distance" FROM ${e.T('flights')}) SELECT o."state" AS o_st, d."state" AS d_st, count(*) AS n, max(f."distance") AS far FROM f JOIN a o ON o."iata" = f."origin" JOIN a d ON d."iata" = f."destination" WHERE o."latitude" > d."latitude" GROUP BY o_st, d_st ORDER BY ${desc('n')}, ${asc('o_st')}, ${asc('d_st')} LIMIT 15`);
	J('join.flights_left_unmatched', ['flights', 'airports'], (e) => `WITH a AS MATERIALIZED (SELECT "iata", "city" FROM ${e.T('airports')}), f AS MATERIALIZED (SELECT "destination" FROM ${e.T('flights')}) SELECT f."destination" AS dst, a."city" AS city, count(*) AS n FROM f LEFT JOIN a ON a."iata" = f."destination" GROUP BY dst, city ORDER BY ${asc('city')}, ${desc('n')}, ${asc('dst')} LIMIT 10`);
	J('join.flights_semi_ca', ['flights', 'airports'], (e) => `SELECT count(*) AS n, sum("delay") AS total FROM ${e.T('flights')} WHERE "origin" IN (SELECT "iata" FROM ${e.T('airports')} WHERE "state" = 'CA') AND "destination" NOT IN (SELECT "iata" FROM ${e.T('airports')} WHERE "state" IN ('CA', 'NV'))`);
	J('join.weather_cities', ['weather2', 'weather'], (e) => `WITH s AS MATERIALIZED (SELECT "date", "temp_max", "weather" FROM ${e.T('weather')}), w AS MATERIALIZED (SELECT "location", "date", "temp_max", "weather" FROM ${e.T('weather2')}) SELECT w."location" AS loc, count(*) AS n, sum(CASE WHEN w."weather" = s."weather" THEN 1 ELSE 0 END) AS same, round(avg(w."temp_max" - s."temp_max"), 6) AS diff FROM w JOIN s ON s."date" = w."date" GROUP BY loc ORDER BY ${asc('loc')}`);
	J('join.zip_airports', ['airports', 'zipcodes'], (e) => `WITH z AS MATERIALIZED (SELECT "city", "state", "zip_code" FROM ${e.T('zipcodes')}), a AS MATERIALIZED (SELECT "iata", "city", "state" FROM ${e.T('airports')} WHERE "state" IN ('MA', 'NJ', 'CT')) SELECT a."iata" AS code, count(z."zip_code") AS zips, min(z."zip_code") AS first_zip FROM a JOIN z ON z."city" = a."city" AND z."state" = a."state" GROUP BY code ORDER BY ${desc('zips')}, ${asc('code')} LIMIT 15`);
	J('join.people_groups', ['people', 'groups'], (e) => `SELECT g."group" AS grp, count(*) AS n, round(avg(p."age"), 6) AS age, max(p."height") AS tallest FROM ${e.T('people')} p JOIN ${e.T('groups')} g ON g."person" = p."name" GROUP BY grp ORDER BY ${asc('grp')}`);
	J('join.employment_industries', ['industries', 'employment'], (e) => `WITH m AS MATERIALIZED (SELECT substr(CAST("month" AS VARCHAR), 1, 7) AS ym, "nonfarm" FROM ${e.T('employment')}), i AS MATERIALIZED (SELECT "series", substr(CAST("date" AS VARCHAR), 1, 7) AS ym FROM ${e.T('industries')}) SELECT i."series" AS s, count(*) AS n, max(m."nonfarm") AS peak FROM i JOIN m ON m.ym = i.ym GROUP BY s ORDER BY ${asc('s')}`);
}

for (const d of DATASETS) {
	for (const c of d.used) {
		const s = await stats(d, c);
		c.stats = s;
		const of = { num: numTemplates, str: strTemplates, date: dateTemplates, ts: tsTemplates, bool: boolTemplates };
		templatesOf(c.kind, () => of[c.kind](d, c, s));
	}
	if (d.part) partTemplates(d);
	templatesOf('pair', () => pairTemplates(d));
	wholeTemplates(d);
}
specialTemplates();

// ---- the queries file -----------------------------------------------------

const tableOf = (ds, landing) => `d.${ds}_${landing}`;
// A join runs once per landing of its first table, the others in the
// same landing where they have it, else as put.
function landingOf(ds, landing) {
	const d = byName[ds];
	if (d.landings.includes(landing)) return landing;
	if (landing === 'part_parquet' && d.landings.includes('parquet')) return 'parquet';
	return d.landings[0];
}
const queries = [];
for (const f of forms) {
	for (const landing of byName[f.ds].landings) {
		if (f.partOnly && !landing.startsWith('part')) continue;
		const tables = {};
		for (const t of f.tables) tables[t] = tableOf(t, landingOf(t, landing));
		const lake = f.lake.replace(/\{([a-z0-9_]+)\}/g, (_, t) => tables[t]);
		queries.push({ n: queries.length + 1, ds: f.ds, landing, table: tables[f.ds], tables: Object.values(tables), tpl: f.tpl, lake, duck: f.duck });
	}
}
const qfile = path.join(WORK, 'queries.ndjson');
fs.writeFileSync(qfile, queries.map((q) => JSON.stringify(q)).join('\n') + '\n');
const selected = FILTER ? queries.filter((q) => FILTER.test(`q${q.n} ${q.table} ${q.landing} ${q.tpl}`)) : queries;
console.log(`${forms.length} query forms over ${DATASETS.length} datasets, ${queries.length} queries over their landings in ${qfile}` +
	(FILTER ? `; ${selected.length} selected by DIFF_FILTER` : '') + ` (${elapsed()})`);
if (LIST_ONLY) {
	for (const q of selected) console.log(`query ${q.n} (${q.table}, ${q.landing}) [${q.tpl}]: ${q.lake}`);
	process.exit(0);
}

// ---- landing --------------------------------------------------------------

const failures = [];
function runProgram(args, what) {
	const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8', env: { ...process.env, LAKE_DIR: LAKE } });
	if (r.status !== 0) failures.push(`${what}: ${args.join(' ')} exited ${r.status}: ${(r.stderr || '').trim().split('\n')[0]}`);
	return r.status === 0;
}
const neededTables = new Set(selected.flatMap((q) => q.tables));
for (const d of DATASETS) {
	for (const landing of d.landings) {
		const table = tableOf(d.name, landing);
		if (!neededTables.has(table)) continue;
		const put = ['lake-put', '--batch-rows', String(d.batch)];
		if (landing === 'ndjson' && d.ext !== 'json') runProgram([...put, '--to', 'ndjson', table, d.src], 'landing');
		else if (landing === 'parquet') runProgram([...put, '--to', 'parquet', table, d.src], 'landing');
		else if (landing === 'part') runProgram(['lake-put', '--partition-by', d.part, table, d.src], 'landing');
		else if (landing === 'part_parquet') runProgram(['lake-put', '--to', 'parquet', '--partition-by', d.part, table, d.src], 'landing');
		else if (landing === 'crawl') {
			const dir = path.join(LAKE, 'data', 'd', `${d.name}_crawl`);
			fs.mkdirSync(dir, { recursive: true });
			fs.copyFileSync(d.src, path.join(dir, path.basename(d.src)));
		} else if (landing === 'crawl_parquet') {
			// Parquet from another writer (DuckDB: its encodings, logical
			// types and row groups of 2048 rows), copied in and crawled.
			const dir = path.join(LAKE, 'data', 'd', `${d.name}_crawl_parquet`);
			fs.mkdirSync(dir, { recursive: true });
			const cols = d.columns.map((c) => (c.type === 'HUGEINT' ? `CAST(${qi(c.name)} AS BIGINT) AS ${qi(c.name)}` : qi(c.name)));
			await duck.run('SET threads = 1');
			await duck.run(`COPY (SELECT ${cols.join(', ')} FROM ${d.name}__src ORDER BY __rn) TO ${qs(path.join(dir, d.name + '.parquet'))} (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
			await duck.run('SET threads = 2');
		} else runProgram([...put, table, d.src], 'landing');
	}
}
runProgram(['lake-crawl'], 'crawling');
console.log(`landed and crawled ${neededTables.size} tables (${elapsed()})`);

// ---- running and comparing ------------------------------------------------

// Presentation only: numbers by value (12.0 is 12), booleans as 1/0, a
// timestamp's spelling as "YYYY-MM-DD HH:MM:SS[.f]" in UTC.
const TS_RE = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d)(:\d\d)?(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/;
function canonical(v) {
	if (v === null || v === undefined) return null;
	if (typeof v === 'boolean') return v ? 1 : 0;
	if (typeof v === 'bigint') return Number(v);
	if (typeof v === 'number') return v;
	if (typeof v === 'object') v = String(v);
	if (typeof v === 'string') {
		const m = TS_RE.exec(v);
		if (!m) return v;
		let frac = (m[4] || '').replace(/0+$/, '');
		if (frac === '.') frac = '';
		let day = m[1];
		let time = m[2] + (m[3] || ':00');
		if (m[5] && m[5] !== 'Z') {
			const off = m[5].replace(':', '');
			const minutes = (off[0] === '-' ? -1 : 1) * (Number(off.slice(1, 3)) * 60 + Number(off.slice(3, 5)));
			const t = new Date(`${day}T${time}Z`).getTime() - minutes * 60e3;
			const iso = new Date(t).toISOString();
			day = iso.slice(0, 10);
			time = iso.slice(11, 19);
		}
		return `${day} ${time}${frac}`;
	}
	return v;
}
const rowKey = (row) => JSON.stringify(row.map(canonical));

const duckCache = new Map();
async function duckAnswer(sql) {
	if (!duckCache.has(sql)) {
		let answer;
		try {
			answer = { rows: (await duckRows(sql)).map(rowKey) };
		} catch (err) {
			answer = { error: String(err.message || err).split('\n')[0] };
		}
		duckCache.set(sql, answer);
	}
	return duckCache.get(sql);
}

// One lake-query process runs a table's queries, each after a marker row;
// when a statement fails, the rest run in a new process.
const MARK = '__differential_query';
function lakeBatch(batch) {
	return new Promise((resolve) => {
		const sqlText = batch.map((q) => `SELECT ${q.n} AS ${MARK};\n${q.lake};\n`).join('');
		const file = path.join(WORK, `batch-${batch[0].n}.sql`);
		fs.writeFileSync(file, sqlText);
		const child = spawn('lake-query', ['--format', 'ndjson', '-f', file], { env: { ...process.env, LAKE_DIR: LAKE } });
		let out = '';
		let err = '';
		child.stdout.on('data', (b) => { out += b; });
		child.stderr.on('data', (b) => { err += b; });
		child.on('close', (status) => resolve({ status, out, err }));
	});
}
const lakeAnswers = new Map();
const tableSeconds = new Map();
async function runLake(batch) {
	const t0 = Date.now();
	const table = batch[0].table;
	try {
		await runLakeFrom(batch);
	} finally {
		tableSeconds.set(table, (Date.now() - t0) / 1000);
	}
}
async function runLakeFrom(batch) {
	while (batch.length) {
		const { status, out, err } = await lakeBatch(batch);
		let current = null;
		const seen = [];
		for (const line of out.split('\n')) {
			if (line === '') continue;
			let obj;
			try {
				obj = JSON.parse(line);
			} catch {
				if (current) current.bad = `unparseable output line: ${line.slice(0, 200)}`;
				continue;
			}
			const keys = Object.keys(obj);
			if (keys.length === 1 && keys[0] === MARK) {
				current = { rows: [] };
				lakeAnswers.set(obj[MARK], current);
				seen.push(obj[MARK]);
				continue;
			}
			if (current) current.rows.push(rowKey(Object.values(obj)));
		}
		if (status === 0) {
			if (seen.length !== batch.length) failures.push(`lake-query ran ${seen.length} of ${batch.length} statements of batch ${batch[0].n} and exited 0`);
			return;
		}
		// The statement after the last marker failed.
		const last = seen.length ? seen[seen.length - 1] : null;
		const failedAt = last === null ? 0 : batch.findIndex((q) => q.n === last);
		if (last === null) {
			failures.push(`lake-query failed before its first statement (batch ${batch[0].n}): ${err.trim().split('\n')[0]}`);
			return;
		}
		lakeAnswers.set(last, { error: err.trim().split('\n').pop() || `exit ${status}` });
		batch = batch.slice(failedAt + 1);
	}
}

// Batches per table the query is about, in query order; run JOBS at once.
const batches = new Map();
for (const q of selected) {
	if (!batches.has(q.table)) batches.set(q.table, []);
	batches.get(q.table).push(q);
}
const pending = [...batches.values()];
await Promise.all(Array.from({ length: JOBS }, async () => {
	while (pending.length) await runLake(pending.shift());
}));
const lakeDone = elapsed();
for (const q of selected) await duckAnswer(q.duck);
console.log(`ran ${selected.length} queries on lake-query (done at ${lakeDone}) and ${duckCache.size} on DuckDB (${elapsed()})`);
console.log('slowest tables: ' + [...tableSeconds.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6)
	.map(([t, sec]) => `${t} ${sec.toFixed(1)}s/${batches.get(t).length}`).join(', '));

// ---- report ---------------------------------------------------------------

const show = (rows) => {
	const text = '[' + rows.slice(0, 3).join(',') + (rows.length > 3 ? `,... ${rows.length} rows` : '') + ']';
	return text.length > 400 ? text.slice(0, 400) + '...' : text;
};
function describe(lakeA, duckA) {
	if (lakeA.error) return `lake=ERROR ${lakeA.error} duckdb=${show(duckA.rows)}`;
	if (lakeA.rows.length <= 3 && duckA.rows.length <= 3) return `lake=${show(lakeA.rows)} duckdb=${show(duckA.rows)}`;
	let i = 0;
	while (i < lakeA.rows.length && i < duckA.rows.length && lakeA.rows[i] === duckA.rows[i]) i++;
	return `lake=${lakeA.rows.length} rows duckdb=${duckA.rows.length} rows, first difference at row ${i + 1}: lake=${lakeA.rows[i] ?? '(none)'} duckdb=${duckA.rows[i] ?? '(none)'}`;
}
const mismatches = [];
let duckErrors = 0;
for (const q of selected) {
	const duckA = duckCache.get(q.duck);
	const lakeA = lakeAnswers.get(q.n);
	if (duckA.error) {
		duckErrors++;
		failures.push(`query ${q.n} (${q.table}, ${q.landing}) [${q.tpl}]: DuckDB failed: ${duckA.error}: ${q.duck}`);
		continue;
	}
	if (!lakeA) {
		mismatches.push({ q, text: 'lake=(not run) duckdb=' + show(duckA.rows) });
		continue;
	}
	if (lakeA.bad) {
		mismatches.push({ q, text: `lake=${lakeA.bad}` });
		continue;
	}
	if (lakeA.error || lakeA.rows.length !== duckA.rows.length || lakeA.rows.some((r, i) => r !== duckA.rows[i])) {
		mismatches.push({ q, text: describe(lakeA, duckA) });
	}
}
for (const { q, text } of mismatches) {
	console.log(`query ${q.n} (${q.table}, ${q.landing}) [${q.tpl}]: ${q.lake}: ${text}`);
	// DuckDB's spelling, where it differs beyond the tables' names.
	const named = q.tables.reduce((sql, t) => sql.split(t).join(t.replace(/^d\.([a-z0-9]+)_.*$/, '$1')), q.lake);
	if (named !== q.duck) console.log(`    duckdb SQL: ${q.duck}`);
}
// Mismatches by template and by landing, to see the classes at a glance.
const tally = (key) => {
	const m = new Map();
	for (const { q } of mismatches) m.set(key(q), (m.get(key(q)) || 0) + 1);
	return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k, v]) => `${k} ${v}`).join(', ');
};
if (mismatches.length) {
	console.log(`mismatches by landing: ${tally((q) => q.landing)}`);
	console.log(`mismatches by dataset: ${tally((q) => q.ds)}`);
	console.log(`mismatches by template: ${tally((q) => q.tpl.replace(/_(T|Z|space|msZ|[+-]0\d:00)$/, '_*'))}`);
}
for (const f of failures) console.log(`FAIL ${f}`);
console.log(`${selected.length} queries, ${selected.length - mismatches.length - duckErrors} alike, ${mismatches.length} mismatches, ${failures.length} other failures (${elapsed()})`);
process.exit(mismatches.length || failures.length ? 1 : 0);
