// check-parquet-write.mjs TESTTOOL WORKDIR - the checks of scripts/check-parquet-write.
//
// For each data set: write NDJSON, turn it into Parquet with
// `TESTTOOL parquet-write`, then ask DuckDB whether the file says what the
// input said.  Prints one line per check and exits 1 when any failed.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import { openSync, closeSync, writeSync } from 'node:fs';

const [tool, work] = process.argv.slice(2);
const db = await (await DuckDBInstance.create(':memory:')).connect();
await db.run("SET TimeZone = 'UTC'");
let failures = 0;

const ok = (what) => console.log(`ok   ${what}`);
const fail = (what, detail) => {
	failures++;
	console.log(`FAIL ${what}`);
	if (detail !== undefined) console.log('     ' + JSON.stringify(detail).slice(0, 1500));
};
const rows = async (sql) => (await db.runAndReadAll(sql)).getRowObjectsJson();
const quote = (s) => "'" + s.replaceAll("'", "''") + "'";
const ident = (s) => '"' + s.replaceAll('"', '""') + '"';

// Deterministic data: mulberry32.
let seed = 12345;
const rand = () => {
	seed = (seed + 0x6d2b79f5) | 0;
	let t = seed;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(rand() * list.length)];
const maybeNull = (p, f) => (rand() < p ? 'null' : f());
const isoDate = (days) => new Date(days * 86400000).toISOString().slice(0, 10);
// UTC micros as text, in one of the forms lake_time_parse reads.
const isoTimestamp = (micros, n) => {
	const ms = Math.floor(micros / 1000), frac = String(micros - ms * 1000).padStart(3, '0');
	if (n % 13 === 0) {
		// The same instant at +02:00.
		const local = new Date(ms + 7200000).toISOString().slice(0, 23);
		return `${local}${frac}+02:00`;
	}
	if (n % 17 === 0) return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19) + 'Z';
	return new Date(ms).toISOString().slice(0, 23) + frac + 'Z';
};

// Per lake kind: the column type DuckDB reads the NDJSON as, and what parquet_schema must show.
const kinds = {
	boolean: { json: 'BOOLEAN', type: 'BOOLEAN', converted: null, logical: null, duck: 'BOOLEAN' },
	bigint: { json: 'BIGINT', type: 'INT64', converted: 'INT_64', logical: 'IntType(', duck: 'BIGINT' },
	double: { json: 'DOUBLE', type: 'DOUBLE', converted: null, logical: null, duck: 'DOUBLE' },
	string: { json: 'VARCHAR', type: 'BYTE_ARRAY', converted: 'UTF8', logical: 'StringType()', duck: 'VARCHAR' },
	null: { json: 'VARCHAR', type: 'BYTE_ARRAY', converted: 'UTF8', logical: 'StringType()', duck: 'VARCHAR' },
	date: { json: 'DATE', type: 'INT32', converted: 'DATE', logical: 'DateType()', duck: 'DATE' },
	timestamp: {
		json: 'TIMESTAMPTZ', type: 'INT64', converted: 'TIMESTAMP_MICROS',
		logical: 'TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds()',
		duck: 'TIMESTAMP WITH TIME ZONE',
	},
	array: { json: 'JSON', type: 'BYTE_ARRAY', converted: 'JSON', logical: 'JsonType()', duck: 'JSON' },
	struct: { json: 'JSON', type: 'BYTE_ARRAY', converted: 'JSON', logical: 'JsonType()', duck: 'JSON' },
};

const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa'];
const unicode = ['café', '日本語', 'emoji 🎉', 'ü', 'a"quote', 'back\\slash', 'tab\there', 'new\nline', '\u00ff\u0100'];

// Every kind, NULLs in each, row groups of 4000 rows (the last one short).
const everything = {
	name: 'every kind',
	schema: [['n', 'bigint'], ['b', 'boolean'], ['i', 'bigint'], ['d', 'double'], ['s', 'string'],
		['h', 'string'], ['u', 'string'], ['dt', 'date'], ['ts', 'timestamp'], ['arr', 'array'],
		['st', 'struct'], ['nul', 'null'], ['long', 'string']],
	rows: 25000, groupRows: 4000,
	row(n) {
		const t0 = Date.UTC(1950, 0, 1) * 1000, t1 = Date.UTC(2050, 0, 1) * 1000;
		return {
			n: String(n),
			b: maybeNull(0.1, () => String(rand() < 0.5)),
			i: n === 7 ? '9223372036854775807' : n === 8 ? '-9223372036854775808'
				: maybeNull(0.1, () => String(Math.floor((rand() - 0.5) * 2e12))),
			// Integers in a double column widen; zeros never end up as a chunk's min or max.
			d: n === 9 ? '0' : n === 10 ? '-0.0' : n % 50 === 0 ? String(n)
				: maybeNull(0.1, () => JSON.stringify((rand() - 0.5) * 1e6)),
			s: maybeNull(0.1, () => JSON.stringify(rand() < 0.05 ? '' : pick(words))),
			h: JSON.stringify(`h-${n}-${Math.floor(rand() * 1e9).toString(36)}`),
			u: maybeNull(0.2, () => JSON.stringify(pick(unicode))),
			dt: maybeNull(0.1, () => JSON.stringify(isoDate(Math.floor(-25567 + rand() * 73049)))),
			ts: maybeNull(0.1, () => JSON.stringify(isoTimestamp(Math.floor(t0 + rand() * (t1 - t0)), n))),
			arr: maybeNull(0.1, () => JSON.stringify(Array.from({ length: Math.floor(rand() * 4) },
				(_, k) => (k % 2 ? pick(words) : Math.floor(rand() * 100))))),
			st: maybeNull(0.1, () => JSON.stringify(rand() < 0.5 ? { k: n % 7 }
				: { k: n % 7, name: pick(words), nested: { x: [1, 2], ok: true, note: pick(unicode) } })),
			nul: 'null',
			// Megabytes now and then; values over 64 bytes take the chunk's string statistics away.
			long: n % 5000 === 5 ? JSON.stringify(`${n}:` + 'xyz0123456789'.repeat(200000))
				: n % 3000 === 1 ? JSON.stringify('w'.repeat(65 + (n % 10)))
				: maybeNull(0.5, () => JSON.stringify(pick(words))),
		};
	},
};

// Dictionaries that overflow (by entries, and by bytes) fall back to PLAIN pages.
const fallback = {
	name: 'dictionary overflow',
	schema: [['n', 'bigint'], ['uniq', 'string'], ['wide', 'string'], ['low', 'string']],
	rows: 150000, groupRows: 100000,
	row(n) {
		return {
			n: String(n),
			uniq: JSON.stringify(`user-${n}-${Math.floor(rand() * 1e9).toString(36)}`),
			wide: JSON.stringify(`${Math.floor(rand() * 3000)}:` + 'v'.repeat(500)),
			low: maybeNull(0.3, () => JSON.stringify(pick(words))),
		};
	},
};

// Row groups cut by bytes of values rather than rows.
const byBytes = {
	name: 'row groups by bytes',
	schema: [['n', 'bigint'], ['s', 'string'], ['d', 'double'], ['ok', 'boolean']],
	rows: 60000, groupRows: 0, groupBytes: 300000,
	row(n) {
		return {
			n: String(n),
			s: JSON.stringify(pick(words) + (n % 100)),
			d: JSON.stringify(rand()),
			ok: maybeNull(0.5, () => String(rand() < 0.3)),
		};
	},
};

const empty = {
	name: 'zero rows',
	schema: [['n', 'bigint'], ['s', 'string'], ['ts', 'timestamp']],
	rows: 0, groupRows: 10,
	row() {
		return {};
	},
};

// Strings with NUL bytes inside, one row group of one page.
const nuls = {
	name: 'embedded NUL bytes',
	schema: [['n', 'bigint'], ['s', 'string']],
	rows: 4, groupRows: 0,
	row(n) {
		return { n: String(n), s: JSON.stringify(['a\u0000b', '\u0000', '', 'plain'][n]) };
	},
};

function writeInput(set, path) {
	const fd = openSync(path, 'w');
	let chunk = [];
	for (let n = 0; n < set.rows; n++) {
		const r = set.row(n);
		chunk.push('{' + set.schema.map(([c]) => `${JSON.stringify(c)}:${r[c] ?? 'null'}`).join(',') + '}\n');
		if (chunk.length === 1000) {
			writeSync(fd, chunk.join(''));
			chunk = [];
		}
	}
	writeSync(fd, chunk.join(''));
	closeSync(fd);
}

function writeParquet(set, input, output) {
	const args = ['parquet-write', output, set.schema.map(([c, k]) => `${c}:${k}`).join(','),
		String(set.groupRows ?? 0), String(set.groupBytes ?? 0)];
	const fd = openSync(input, 'r');
	const r = spawnSync(tool, args, { stdio: [fd, 'inherit', 'pipe'], encoding: 'utf8' });
	closeSync(fd);
	if (r.status !== 0) {
		fail(`${set.name}: lake-testtool parquet-write exited ${r.status}`, r.stderr);
		return false;
	}
	ok(`${set.name}: written (${r.stderr.trim()})`);
	return true;
}

async function checkFileMetadata(set, f) {
	const [m] = await rows(`SELECT * FROM parquet_file_metadata(${quote(f)})`);
	const groups = set.groupRows ? Math.ceil(set.rows / set.groupRows) : null;
	if (!m.created_by.startsWith('lake version ') || Number(m.num_rows) !== set.rows ||
	    (groups !== null && Number(m.num_row_groups) !== groups) || ![1, 2].includes(Number(m.format_version)))
		fail(`${set.name}: file metadata`, m);
	else
		ok(`${set.name}: file metadata (${m.created_by}, ${m.num_rows} rows, ${m.num_row_groups} row groups)`);
	if (set.groupBytes && Number(m.num_row_groups) < 2)
		fail(`${set.name}: a byte limit made only ${m.num_row_groups} row group`);
}

async function checkSchema(set, f) {
	const got = await rows(`SELECT * FROM parquet_schema(${quote(f)})`);
	const bad = [];
	if (got[0].name !== 'schema' || Number(got[0].num_children) !== set.schema.length) bad.push(got[0]);
	set.schema.forEach(([c, k], i) => {
		const g = got[i + 1], want = kinds[k];
		if (!g || g.name !== c || g.type !== want.type || g.repetition_type !== 'OPTIONAL' ||
		    g.converted_type !== want.converted || g.duckdb_type !== want.duck ||
		    (want.logical === null ? g.logical_type !== null : !String(g.logical_type).startsWith(want.logical)))
			bad.push({ column: c, kind: k, got: g });
	});
	if (bad.length) fail(`${set.name}: schema`, bad);
	else ok(`${set.name}: schema: ${set.schema.length} optional columns with the expected types`);
}

async function loadTables(set, input, f) {
	const cols = '{' + set.schema.map(([c, k]) => `${quote(c)}: ${quote(kinds[k].json)}`).join(', ') + '}';
	await db.run(`CREATE OR REPLACE TABLE want AS SELECT * FROM read_json(${quote(input)},
		format = 'newline_delimited', columns = ${cols}, maximum_object_size = 100000000)`);
	await db.run(`CREATE OR REPLACE TABLE got AS SELECT * FROM read_parquet(${quote(f)}, file_row_number = true)`);
	// Row group g holds rows [lo, hi) of the input.
	await db.run(`CREATE OR REPLACE TABLE rg AS SELECT g, hi - rows AS lo, hi FROM (
		SELECT row_group_id AS g, rows, sum(rows) OVER (ORDER BY row_group_id) AS hi FROM (
			SELECT DISTINCT row_group_id, row_group_num_rows AS rows FROM parquet_metadata(${quote(f)})))`);
}

async function checkValues(set) {
	const names = set.schema.map(([c]) => ident(c)).join(', ');
	const [{ n }] = await rows(`SELECT count(*) AS n FROM got`);
	const diff = await rows(`(SELECT 'only in input' AS side, ${names} FROM want EXCEPT ALL SELECT 'only in input', ${names} FROM got)
		UNION ALL (SELECT 'only in parquet', ${names} FROM got EXCEPT ALL SELECT 'only in parquet', ${names} FROM want) LIMIT 3`);
	const [{ misplaced }] = await rows(`SELECT count(*) AS misplaced FROM got WHERE n IS DISTINCT FROM file_row_number`);
	if (Number(n) !== set.rows || diff.length || Number(misplaced))
		fail(`${set.name}: values (${n} rows read, ${misplaced} out of place)`, diff);
	else ok(`${set.name}: values: all ${n} rows alike and in order`);
}

// What each chunk's Statistics must say, computed from the input.
async function checkStatistics(set, f) {
	const parts = set.schema.map(([c, k]) => {
		const text = `${ident(c)}::VARCHAR`;
		const bytes = kinds[k].type === 'BYTE_ARRAY';
		// Long strings take a chunk's string min/max away (see stats_string in parquet_write.c).
		const guard = (x) => (bytes ? `CASE WHEN max(strlen(${text})) > 64 THEN NULL ELSE ${x} END` : x);
		const agg = (fn) => guard(bytes ? `${fn}(${text})` : `${fn}(${ident(c)})::VARCHAR`);
		return `SELECT g, ${quote(c)} AS path, count(*) FILTER (WHERE ${ident(c)} IS NULL) AS nulls,
			${agg('min')} AS mn, ${agg('max')} AS mx FROM want JOIN rg ON n >= lo AND n < hi GROUP BY g`;
	});
	if (!set.rows) return;
	await db.run(`CREATE OR REPLACE TABLE want_stats AS ${parts.join(' UNION ALL ')}`);
	const bad = await rows(`SELECT w.g, w.path, w.nulls AS want_nulls, m.stats_null_count AS got_nulls,
			w.mn AS want_min, m.stats_min_value AS got_min, w.mx AS want_max, m.stats_max_value AS got_max
		FROM want_stats w FULL JOIN parquet_metadata(${quote(f)}) m ON m.row_group_id = w.g AND m.path_in_schema = w.path
		WHERE w.nulls IS DISTINCT FROM m.stats_null_count OR w.mn IS DISTINCT FROM m.stats_min_value
			OR w.mx IS DISTINCT FROM m.stats_max_value LIMIT 5`);
	const [{ withMinMax, chunks }] = await rows(`SELECT count(stats_min_value) AS withMinMax, count(*) AS chunks
		FROM parquet_metadata(${quote(f)})`);
	if (bad.length) fail(`${set.name}: statistics`, bad.map((r) => Object.fromEntries(
		Object.entries(r).map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, 80) : v]))));
	else ok(`${set.name}: statistics of ${chunks} chunks (${withMinMax} with min/max) match the input`);
}

async function checkChunks(set, f) {
	const bad = await rows(`SELECT row_group_id, path_in_schema, compression, encodings, num_values,
			row_group_num_rows, dictionary_page_offset, data_page_offset, file_offset
		FROM parquet_metadata(${quote(f)})
		WHERE compression <> 'ZSTD' OR num_values <> row_group_num_rows OR data_page_offset < 4
			OR (dictionary_page_offset IS NULL) = (encodings LIKE '%RLE_DICTIONARY%')
			OR (type <> 'BYTE_ARRAY' AND encodings <> 'PLAIN, RLE')
			OR file_offset <> coalesce(dictionary_page_offset, data_page_offset) LIMIT 5`);
	const dict = await rows(`SELECT DISTINCT path_in_schema AS c FROM parquet_metadata(${quote(f)})
		WHERE encodings LIKE '%RLE_DICTIONARY%' ORDER BY c`);
	if (bad.length) fail(`${set.name}: column chunks`, bad);
	else ok(`${set.name}: column chunks ZSTD, value counts right; dictionary encoded: ${dict.map((r) => r.c).join(', ') || 'none'}`);
	return dict.map((r) => r.c);
}

for (const set of [everything, fallback, byBytes, empty, nuls]) {
	const base = `${work}/${set.name.replaceAll(' ', '-')}`;
	writeInput(set, `${base}.ndjson`);
	if (!writeParquet(set, `${base}.ndjson`, `${base}.parquet`)) continue;
	const f = `${base}.parquet`;
	try {
		await checkFileMetadata(set, f);
		await checkSchema(set, f);
		await loadTables(set, `${base}.ndjson`, f);
		await checkValues(set);
		await checkStatistics(set, f);
		const dict = await checkChunks(set, f);
		if (set === everything && !['s', 'u', 'arr'].every((c) => dict.includes(c)))
			fail(`${set.name}: low cardinality strings are not dictionary encoded`, dict);
	} catch (err) {
		fail(`${set.name}: DuckDB failed`, String(err.message ?? err));
	}
}
console.log(failures ? `check-parquet-write: ${failures} checks failed` : 'check-parquet-write: all checks passed');
process.exit(failures ? 1 : 0);
