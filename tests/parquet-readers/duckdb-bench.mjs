// DuckDB as the reference for Delivery's JSON -> Parquet benchmark (bench/Delivery.Benchmarks `parquet`): DuckDB's own
// conversion of the same NDJSON file, timed, and a row-by-row comparison of two Parquet files. Run it pinned to one core
// (taskset -c 1); it sets threads=1 itself.
//
//   node duckdb-bench.mjs convert SPEC_JSON   SPEC: {input, output, codec, runs, columns: {name: DuckDB type}, select}
//                                             prints {"wallMs": [...], "cpuMs": [...], "bytes": N}; one unmeasured run first
//   node duckdb-bench.mjs compare A B         prints {"rowsA", "rowsB", "onlyA", "onlyB"}: rows (with their position)
//                                             in one file and not the other, so 0 and 0 means same values, same order
import { statSync } from 'node:fs'
import { DuckDBInstance } from '@duckdb/node-api'

const quote = text => `'${text.replaceAll("'", "''")}'`

async function connect() {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  await connection.run('SET threads = 1')
  await connection.run("SET TimeZone = 'UTC'")
  return connection
}

async function convert(spec) {
  const connection = await connect()
  const columns = Object.entries(spec.columns).map(([name, type]) => `${quote(name)}: ${quote(type)}`).join(', ')
  const sql = `COPY (SELECT ${spec.select ?? '*'} FROM read_json(${quote(spec.input)}, format = 'newline_delimited', columns = {${columns}})) ` +
    `TO ${quote(spec.output)} (FORMAT parquet, COMPRESSION ${spec.codec})`
  const wallMs = []
  const cpuMs = []
  for (let run = 0; run <= spec.runs; run++) {
    const cpu = process.cpuUsage()
    const started = process.hrtime.bigint()
    await connection.run(sql)
    const wall = Number(process.hrtime.bigint() - started) / 1e6
    const used = process.cpuUsage(cpu)
    if (run > 0) {
      wallMs.push(wall)
      cpuMs.push((used.user + used.system) / 1000)
    }
  }
  return { wallMs, cpuMs, bytes: statSync(spec.output).size }
}

async function compare(a, b) {
  const connection = await connect()
  const read = file => `SELECT * FROM read_parquet(${quote(file)}, file_row_number = true)`
  const reader = await connection.runAndReadAll(
    `SELECT (SELECT count(*) FROM read_parquet(${quote(a)})) AS rowsA, (SELECT count(*) FROM read_parquet(${quote(b)})) AS rowsB, ` +
    `(SELECT count(*) FROM (${read(a)} EXCEPT ALL ${read(b)})) AS onlyA, (SELECT count(*) FROM (${read(b)} EXCEPT ALL ${read(a)})) AS onlyB`)
  const [rowsA, rowsB, onlyA, onlyB] = reader.getRows()[0].map(Number)
  return { rowsA, rowsB, onlyA, onlyB }
}

const [command, ...args] = process.argv.slice(2)
const result = command === 'convert' ? await convert(JSON.parse(args[0]))
  : command === 'compare' ? await compare(args[0], args[1])
  : (() => { throw new Error('usage: duckdb-bench.mjs convert SPEC_JSON | compare A B') })()
process.stdout.write(JSON.stringify(result) + '\n')
