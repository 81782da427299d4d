#!/usr/bin/env node
// gen-parquet-fixtures.mjs - the Parquet files lake's reader is tested on,
// written by another engine (DuckDB) so that the reader is checked against
// files it did not write itself.
//
// Usage: node scripts/gen-parquet-fixtures.mjs [OUTDIR]   (default tests/data/parquet)
//
// Needs @duckdb/node-api, installed once into ~/.cache/lake-bench/duckdb
// (see tests/interop/t-duckdb.sh).  The output is committed, so the tests
// never need node.  The data is computed from row numbers only, so two
// runs write the same values.
//
// For every X.parquet it writes X.expected: a first line with the columns
// as [name, how-to-compare] and then one JSON array per row, every value
// as lake formats it (or null): "true"/"false", integers in decimal,
// doubles as DuckDB prints them (compared numerically), dates
// "2024-05-01", timestamps "2024-05-01T13:45:10[.123456]Z", blobs in
// upper-case hex.
import { writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { homedir } from 'node:os';

const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
const { DuckDBInstance } = await import(
	join(cache, 'lake-bench/duckdb/node_modules/@duckdb/node-api/lib/index.js'));
const out = resolve(process.argv[2] || 'tests/data/parquet');
mkdirSync(out, { recursive: true });
const db = await (await DuckDBInstance.create(':memory:')).connect();
await db.run("SET threads = 1"); // one writer thread: the same row groups every run

// Every type lake maps, a NULL in every column (each on its own rows), an
// all-NULL column, low and high cardinality strings.
await db.run(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`);
await db.run(`CREATE TABLE types AS SELECT
	CASE WHEN i % 11 = 1 THEN NULL ELSE i % 3 = 0 END AS b,
	CASE WHEN i % 11 = 2 THEN NULL ELSE ((i * 37) % 256 - 128)::TINYINT END AS i8,
	CASE WHEN i % 11 = 3 THEN NULL ELSE ((i * 7919) % 65536 - 32768)::SMALLINT END AS i16,
	CASE WHEN i % 11 = 4 THEN NULL WHEN i = 5 THEN -2147483648 WHEN i = 6 THEN 2147483647
	     ELSE ((i * 104729) % 2000000 - 1000000)::INTEGER END AS i32,
	CASE WHEN i % 11 = 5 THEN NULL WHEN i = 7 THEN -9223372036854775808
	     WHEN i = 8 THEN 9223372036854775807 ELSE (i * 1000003 - 150000000)::BIGINT END AS i64,
	CASE WHEN i % 13 = 1 THEN NULL ELSE ((i * 31) % 256)::UTINYINT END AS u8,
	CASE WHEN i % 13 = 2 THEN NULL ELSE ((i * 7919) % 65536)::USMALLINT END AS u16,
	CASE WHEN i % 13 = 3 THEN NULL WHEN i = 9 THEN 4294967295 ELSE (i * 14000000)::UINTEGER END AS u32,
	CASE WHEN i % 13 = 4 THEN NULL WHEN i = 10 THEN 18446744073709551615::UBIGINT
	     WHEN i = 12 THEN 9223372036854775808::UBIGINT ELSE (i * 99991)::UBIGINT END AS u64,
	CASE WHEN i % 13 = 5 THEN NULL ELSE (i / 8.0 - 10)::FLOAT END AS f,
	CASE WHEN i % 13 = 6 THEN NULL WHEN i = 11 THEN 'inf'::DOUBLE WHEN i = 14 THEN '-inf'::DOUBLE
	     WHEN i = 15 THEN 1e300 ELSE i * 0.1 - 7.77 END AS d,
	CASE WHEN i % 17 = 1 THEN NULL ELSE ((i * 12345) % 10000000 - 5000000) / 100 END::DECIMAL(9,2) AS dec9,
	CASE WHEN i % 17 = 2 THEN NULL ELSE ((i * 1234567) % 100000000000 - 50000000000) / 10000 END::DECIMAL(18,4) AS dec18,
	CASE WHEN i % 17 = 3 THEN NULL ELSE (i * 123456789.0123456789 - 1e10)::DECIMAL(38,10) END AS dec38,
	CASE WHEN i % 17 = 4 THEN NULL ELSE ['red', 'green', 'blue', '', 'ünïcödé ☃'][i % 5 + 1] END AS s_low,
	CASE WHEN i % 17 = 5 THEN NULL ELSE 'row-' || i || '-' || repeat('x', i % 23) END AS s_high,
	CASE WHEN i % 19 = 1 THEN NULL ELSE ('\\x00\\xFF' || i)::BLOB END AS bl,
	CASE WHEN i % 19 = 2 THEN NULL ELSE DATE '1969-12-25' + (i * 97)::INTEGER END AS dt,
	CASE WHEN i % 19 = 3 THEN NULL ELSE TIMESTAMP '1969-12-31 23:59:58' + to_microseconds(i * 3600000123) END AS ts,
	CASE WHEN i % 19 = 4 THEN NULL ELSE (TIMESTAMP '2020-02-29 12:00:00' + to_milliseconds(i * 86400001))::TIMESTAMP_MS END AS ts_ms,
	CASE WHEN i % 19 = 5 THEN NULL ELSE (TIMESTAMP '1960-01-01 00:00:00' + to_microseconds(i * 999999999))::TIMESTAMP_NS END AS ts_ns,
	CASE WHEN i % 19 = 6 THEN NULL ELSE (TIMESTAMP '2024-05-01 13:45:10' + i * INTERVAL 1 HOUR)::TIMESTAMPTZ END AS tstz,
	CASE WHEN i % 19 = 7 THEN NULL ELSE ('00000000-0000-4000-8000-' || lpad(printf('%x', i * 2654435761), 12, '0'))::UUID END AS uid,
	CASE WHEN i % 19 = 8 THEN NULL ELSE (['sad', 'ok', 'happy'][i % 3 + 1])::mood END AS en,
	NULL::INTEGER AS nul,
	i::BIGINT AS id
FROM range(300) t(i) ORDER BY i`);

// How each value is written in the .expected files: JavaScript formats
// the instants (DuckDB's strftime depends on the time zone setting).
const TEXT = (c) => `${c}::VARCHAR`;
const columns = {
	b: TEXT, i8: TEXT, i16: TEXT, i32: TEXT, i64: TEXT, u8: TEXT, u16: TEXT, u32: TEXT,
	u64: (c) => `CASE WHEN ${c} > 9223372036854775807 THEN ${c}::DOUBLE::VARCHAR ELSE ${c}::VARCHAR END`,
	f: (c) => `${c}::DOUBLE::VARCHAR`, d: TEXT,
	dec9: (c) => `${c}::DOUBLE::VARCHAR`, dec18: (c) => `${c}::DOUBLE::VARCHAR`,
	dec38: (c) => `${c}::DOUBLE::VARCHAR`,
	s_low: TEXT, s_high: TEXT, bl: (c) => `hex(${c})`,
	dt: (c) => `(epoch_us(${c}::TIMESTAMP))::VARCHAR`, ts: (c) => `epoch_us(${c})::VARCHAR`,
	ts_ms: (c) => `epoch_us(${c}::TIMESTAMP)::VARCHAR`, ts_ns: (c) => `epoch_ns(${c})::VARCHAR`,
	tstz: (c) => `epoch_us(${c})::VARCHAR`, uid: TEXT, en: TEXT, nul: TEXT, id: TEXT,
};
const how = { bl: 'hex', dt: 'date', ts: 'us', ts_ms: 'us', ts_ns: 'ns', tstz: 'us',
	f: 'num', d: 'num', dec9: 'num', dec18: 'num', dec38: 'num', u64: 'num' };

// Lake's form of an instant: "YYYY-MM-DDTHH:MM:SS[.ffffff]Z".
function instant(micros, dateOnly) {
	const us = ((micros % 1000000n) + 1000000n) % 1000000n;
	const secs = (micros - us) / 1000000n;
	const iso = new Date(Number(secs) * 1000).toISOString(); // 2024-05-01T13:45:10.000Z
	if (dateOnly) return iso.slice(0, 10);
	return iso.slice(0, 19) + (us ? '.' + String(us).padStart(6, '0') : '') + 'Z';
}

function floorDiv(a, b) {
	const q = a / b;
	return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

async function expected(file, names) {
	const sel = names.map((n) => (columns[n] || TEXT)(`"${n}"`)).join(', ');
	const r = await db.runAndReadAll(`SELECT ${sel} FROM read_parquet('${file}')`);
	const lines = [JSON.stringify(names.map((n) => [n, how[n] || 'text']))];
	for (const row of r.getRows()) {
		lines.push(JSON.stringify(row.map((v, k) => {
			if (v === null) return null;
			const h = how[names[k]];
			if (h === 'us') return instant(BigInt(v), false);
			if (h === 'ns') return instant(floorDiv(BigInt(v), 1000n), false);
			if (h === 'date') return instant(BigInt(v), true);
			return v;
		})));
	}
	return lines.join('\n') + '\n';
}

// NAME-OPTIONS.parquet; the files of one data set share NAME.expected.
async function fixture(name, variant, query, options) {
	const file = join(out, `${name}-${variant}.parquet`);
	rmSync(file, { force: true });
	await db.run(`COPY (${query}) TO '${file}' (FORMAT parquet, ${options})`);
	const desc = await db.runAndReadAll(`SELECT * FROM (${query}) LIMIT 0`);
	writeFileSync(join(out, `${name}.expected`), await expected(file, desc.columnNames()));
}

const all = 'SELECT * FROM types';
await fixture('types', 'v1-snappy', all, 'COMPRESSION snappy, PARQUET_VERSION V1, ROW_GROUP_SIZE 100');
await fixture('types', 'v2-zstd', all, 'COMPRESSION zstd, PARQUET_VERSION V2, ROW_GROUP_SIZE 128');
await fixture('types', 'v1-gzip', all, 'COMPRESSION gzip, PARQUET_VERSION V1, ROW_GROUP_SIZE 300');
await fixture('types', 'v2-none', all, 'COMPRESSION uncompressed, PARQUET_VERSION V2, ROW_GROUP_SIZE 150');

// Longer string columns: dictionary pages (few distinct) and plain or
// delta pages (all distinct), over several pages and row groups.
await db.run(`CREATE TABLE strs AS SELECT
	['alpha', 'beta', 'gamma', 'delta'][i % 4 + 1] AS few,
	CASE WHEN i % 5 = 0 THEN NULL ELSE 'k' || ((i * 7919) % 100003) END AS many,
	i::BIGINT AS n
FROM range(3000) t(i) ORDER BY i`);
await fixture('strings', 'v1-snappy', 'SELECT * FROM strs', 'COMPRESSION snappy, PARQUET_VERSION V1, ROW_GROUP_SIZE 1024');
await fixture('strings', 'v2-zstd', 'SELECT * FROM strs', 'COMPRESSION zstd, PARQUET_VERSION V2, ROW_GROUP_SIZE 1024');

await fixture('empty', 'zstd', 'SELECT * FROM types WHERE false', 'COMPRESSION zstd');

// Special floats: infinities of both signs and NaN, in DOUBLE and FLOAT
// columns, beside finite values and NULLs, over two row groups.
await db.run(`CREATE TABLE specials AS SELECT
	i::BIGINT AS id,
	CASE i % 5 WHEN 0 THEN 'inf'::DOUBLE WHEN 1 THEN '-inf'::DOUBLE WHEN 2 THEN 'nan'::DOUBLE
	     WHEN 3 THEN NULL ELSE i * 0.5 END AS d,
	CASE i % 5 WHEN 0 THEN '-inf'::FLOAT WHEN 1 THEN 'nan'::FLOAT WHEN 2 THEN 'inf'::FLOAT
	     WHEN 3 THEN i * 0.25 ELSE NULL END AS f
FROM range(20) t(i) ORDER BY i`);
await fixture('specials', 'snappy', 'SELECT * FROM specials', 'COMPRESSION snappy, ROW_GROUP_SIZE 10');

// Refused: nested columns.  Only the file; lake_parquet_open() names the column.
const nested = join(out, 'nested-struct.parquet');
rmSync(nested, { force: true });
await db.run(`COPY (SELECT i AS id, {'a': i, 'b': 'x'} AS s FROM range(3) t(i)) TO '${nested}' (FORMAT parquet)`);
const list = join(out, 'nested-list.parquet');
rmSync(list, { force: true });
await db.run(`COPY (SELECT i AS id, [i, i + 1] AS l FROM range(3) t(i)) TO '${list}' (FORMAT parquet)`);

// The codecs of DuckDB's beyond the common four: its lz4 is LZ4_RAW.
for (const codec of ['lz4', 'brotli']) {
	const file = join(out, `codec-${codec}.parquet`);
	rmSync(file, { force: true });
	await db.run(`COPY (SELECT i AS id FROM range(10) t(i)) TO '${file}' (FORMAT parquet, COMPRESSION ${codec})`);
}
