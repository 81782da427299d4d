// parquet-rows.mjs - a Parquet file's rows as DuckDB reads them, spelled
// as lake-query prints the SQL parquet-suite.sh asks it (t-parquet-testing
// in tests/interop, and scripts/gen-parquet-testing-expected).  Copied
// beside the cached @duckdb/node-api so that Node finds the package.
//
//   node parquet-rows.mjs FILE [SQL]
//
// SQL, when given, is read instead of FILE (for files DuckDB cannot read:
// the rows of another file with the same data, or the values the suite
// documents).  The first line is the columns as lake should type them,
// [[name, type]...] from DuckDB's types; then one JSON array per row:
//   bigint      "123" (decimal text, exact past 2^53)
//   boolean     "0" or "1"
//   double      a number, null for NaN (lake's rule), "Infinity", "-Infinity"
//   string      the value's bytes in upper-case hex (text, blobs, times
//               "13:45:10[.123456]", UUIDs, and geometries as lake gives
//               them: their WKB in upper-case hex, hex again here)
//   date        "2024-05-01", years as C's %04d prints them
//   timestamp   "2024-05-01 13:45:10[.123456]" (fraction to its last nonzero digit;
//               years past 9999 as "290000-12-30T23:00:00Z"), nanoseconds cut to micros
// and null for NULL.
import { DuckDBInstance } from '@duckdb/node-api';

const [file, standIn] = process.argv.slice(2);
const quote = (name) => '"' + name.replaceAll('"', '""') + '"';
const hex = (buf) => Buffer.from(buf).toString('hex').toUpperCase();
const text = (s) => hex(Buffer.from(s, 'utf8'));

// lake's type for a DuckDB type, and how DuckDB is asked for its values.
function column(name, t) {
	const q = quote(name);
	if (t === 'BOOLEAN') return ['boolean', `CAST(CAST(${q} AS INTEGER) AS VARCHAR)`];
	if (/^U?(TINYINT|SMALLINT|INTEGER|BIGINT)$/.test(t)) return ['bigint', `CAST(${q} AS VARCHAR)`];
	if (/^(FLOAT|DOUBLE|DECIMAL)/.test(t)) return ['double', `CAST(${q} AS DOUBLE)`];
	if (t === 'DATE') return ['date', `CAST(date_diff('day', DATE '1970-01-01', ${q}) AS VARCHAR)`];
	if (t === 'TIMESTAMP_NS') return ['timestamp', `CAST(epoch_ns(${q}) AS VARCHAR)`, 'ns'];
	if (/^TIMESTAMP/.test(t)) return ['timestamp', `CAST(epoch_us(${q}) AS VARCHAR)`, 'us'];
	if (/^TIME/.test(t)) return ['string', `CAST(${q} AS VARCHAR)`, 'time'];
	if (t === 'BLOB') return ['string', `hex(${q})`, 'hex'];
	if (/^(GEOMETRY|GEOGRAPHY)/.test(t)) return ['string', q, 'geometry'];
	return ['string', `CAST(${q} AS VARCHAR)`, 'text'];
}

// Hinnant's civil_from_days: a proleptic Gregorian date from days since 1970-01-01.
function civil(days) {
	const z = days + 719468n;
	const era = (z >= 0n ? z : z - 146096n) / 146097n;
	const doe = z - era * 146097n;
	const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
	const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
	const mp = (5n * doy + 2n) / 153n;
	const d = doy - (153n * mp + 2n) / 5n + 1n;
	const m = mp < 10n ? mp + 3n : mp - 9n;
	const y = yoe + era * 400n + (m <= 2n ? 1n : 0n);
	const two = (v) => String(v).padStart(2, '0');
	// C's %04d: the sign counts in the width.
	const year = y < 0n ? '-' + String(-y).padStart(3, '0') : String(y).padStart(4, '0');
	return `${year}-${two(m)}-${two(d)}`;
}

const floorDiv = (a, b) => (a % b !== 0n && (a < 0n) !== (b < 0n) ? a / b - 1n : a / b);

function stamp(micros) {
	const day = floorDiv(micros, 86400000000n), us = micros - day * 86400000000n;
	const secs = us / 1000000n, frac = us % 1000000n;
	const two = (v) => String(v).padStart(2, '0');
	const date = civil(day), time = `${two(secs / 3600n)}:${two((secs / 60n) % 60n)}:${two(secs % 60n)}`;
	// SQL's spelling holds years 0000-9999; past them lake gives the file's ISO-8601.
	if (date.length > 10)
		return `${date}T${time}` + (frac ? '.' + String(frac).padStart(6, '0') : '') + 'Z';
	return `${date} ${time}` + (frac ? '.' + String(frac).padStart(6, '0').replace(/0+$/, '') : '');
}

// DuckDB's "01:02:03.25" as lake's "01:02:03.250000".
function timeOfDay(s) {
	const m = /^(\d\d:\d\d:\d\d)(?:\.(\d+))?/.exec(s);
	if (!m) return s;
	const frac = ((m[2] || '') + '000000').slice(0, 6);
	return m[1] + (/^0+$/.test(frac) ? '' : '.' + frac);
}

function spell(v, type, how) {
	if (v === null || v === undefined) return null;
	switch (type) {
	case 'double':
		if (typeof v === 'string') return Number(v); /* an unsigned 64-bit integer past bigint */
		if (Number.isNaN(v)) return null;
		return Number.isFinite(v) ? v : v > 0 ? 'Infinity' : '-Infinity';
	case 'date':
		return civil(BigInt(v));
	case 'timestamp':
		return stamp(how === 'ns' ? floorDiv(BigInt(v), 1000n) : BigInt(v));
	case 'string':
		if (how === 'hex') return v;
		if (how === 'geometry') return text(hex(v.bytes));
		if (how === 'time') return text(timeOfDay(v));
		return text(v);
	default:
		return v;
	}
}

const db = await (await DuckDBInstance.create(':memory:')).connect();
await db.run("SET TimeZone = 'UTC'");
const from = standIn ? `(${standIn})` : `read_parquet('${file.replaceAll("'", "''")}')`;
const described = (await db.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`)).getRows();
const cols = described.map(([name, type]) => [name, ...column(name, type)]);
const result = await db.runAndReadAll(`SELECT ${cols.map((c) => c[2]).join(', ')} FROM ${from}`);
const rows = result.getRows();
// An unsigned 64-bit column with a value past INT64_MAX is a double to lake.
cols.forEach((c, i) => {
	if (c[1] === 'bigint' && rows.some((r) => r[i] !== null && BigInt(r[i]) > 9223372036854775807n))
		c[1] = 'double';
});
const lines = [JSON.stringify(cols.map((c) => [c[0], c[1]]))];
for (const row of rows) lines.push(JSON.stringify(row.map((v, i) => spell(v, cols[i][1], cols[i][3]))));
process.stdout.write(lines.join('\n') + '\n');
