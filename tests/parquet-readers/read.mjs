// Reads what Delivery wrote with implementations nobody on the team wrote, and prints one canonical JSON form of the
// values so the integration tests can compare them exactly with their input. Used only by tests/Delivery.IntegrationTests.
//
//   node read.mjs parquet FILE                 rows as read by DuckDB, arrow-rs (parquet-wasm) and hyparquet, plus footer facts
//   node read.mjs ndjson-gz FILE               each line of a gzip NDJSON file, as DuckDB reads it
//   node read.mjs snappy-framed FILE OUT       decodes the Snappy framing format (blocks by snappyjs) into OUT
//   node read.mjs hadoop-snappy FILE OUT       decodes Hadoop's block framing (blocks by snappyjs) into OUT
//   node read.mjs duckdb-write NDJSON OUT CODEC COLUMNS_JSON   DuckDB writes its own Parquet file of the same rows
//
// Canonical values: null; strings; booleans; tinyint..int as numbers; bigint as a decimal string; float/double as
// numbers; decimal as a string with exactly `scale` fraction digits; date as YYYY-MM-DD; timestamp as a string of
// microseconds since the epoch; binary as base64; struct as an object; array as an array; map as [[key, value], ...].
import { readFileSync, writeFileSync } from 'node:fs'
import snappy from 'snappyjs'

// The readers load only for the commands that need them: DuckDB alone takes a second to load.
const { DuckDBInstance } = ['parquet', 'ndjson-gz', 'duckdb-write'].includes(process.argv[2]) ? await import('@duckdb/node-api') : {}
const { parquetMetadata, parquetReadObjects, parquetSchema } = process.argv[2] === 'parquet' ? await import('hyparquet') : {}
const { compressors } = process.argv[2] === 'parquet' ? await import('hyparquet-compressors') : {}
const parquetWasm = process.argv[2] === 'parquet' ? await import('parquet-wasm/node') : null
const { tableFromIPC, Type } = process.argv[2] === 'parquet' ? await import('apache-arrow') : {}

const [command, ...args] = process.argv.slice(2)

function decimalString(unscaled, scale) {
  const negative = unscaled < 0n
  let digits = (negative ? -unscaled : unscaled).toString()
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0')
    digits = digits.slice(0, digits.length - scale) + '.' + digits.slice(digits.length - scale)
  }
  return (negative ? '-' : '') + digits
}

function dateString(days) {
  return new Date(days * 86400000).toISOString().slice(0, 10)
}

const toBase64 = bytes => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')

// ---- DuckDB ----
async function duckdbConnect() {
  const instance = await DuckDBInstance.create(':memory:')
  return instance.connect()
}

function duckdbValue(value) {
  if (value === null || value === undefined) return null
  if (typeof value === 'bigint') return value.toString()
  if (typeof value !== 'object') return value
  switch (value.constructor.name) {
    case 'DuckDBDecimalValue': return decimalString(value.value, value.scale)
    case 'DuckDBDateValue': return dateString(value.days)
    case 'DuckDBTimestampTZValue':
    case 'DuckDBTimestampValue': return value.micros.toString()
    case 'DuckDBTimestampMillisecondsValue': return (value.millis * 1000n).toString()
    case 'DuckDBBlobValue': return toBase64(value.bytes)
    case 'DuckDBListValue': return value.items.map(duckdbValue)
    case 'DuckDBStructValue': return Object.fromEntries(Object.entries(value.entries).map(([k, v]) => [k, duckdbValue(v)]))
    case 'DuckDBMapValue': return value.entries.map(e => [duckdbValue(e.key), duckdbValue(e.value)])
    default: throw new Error('DuckDB value of unexpected type ' + value.constructor.name)
  }
}

async function readWithDuckdb(file) {
  const connection = await duckdbConnect()
  const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file.replaceAll("'", "''")}')`)
  const names = reader.columnNames()
  return reader.getRows().map(row => Object.fromEntries(row.map((v, i) => [names[i], duckdbValue(v)])))
}

// ---- arrow-rs through parquet-wasm: values read straight from the Arrow buffers, so nothing is rounded ----
function arrowValue(data, index) {
  const i = data.offset + index
  if (data.nullBitmap && data.nullBitmap.length > 0 && data.nullCount !== 0 && ((data.nullBitmap[i >> 3] >> (i & 7)) & 1) === 0) return null
  const type = data.type
  switch (type.typeId) {
    case Type.Bool: return ((data.values[i >> 3] >> (i & 7)) & 1) === 1
    case Type.Int: return type.bitWidth === 64 ? data.values[i].toString() : data.values[i]
    case Type.Float: return data.values[i]
    case Type.Utf8:
    case Type.Binary: {
      const bytes = data.values.subarray(data.valueOffsets[i], data.valueOffsets[i + 1])
      return type.typeId === Type.Utf8 ? new TextDecoder().decode(bytes) : toBase64(bytes)
    }
    case Type.FixedSizeBinary: return toBase64(data.values.subarray(i * type.byteWidth, (i + 1) * type.byteWidth))
    case Type.Decimal: {
      const words = type.bitWidth / 32
      let unscaled = 0n
      for (let w = words - 1; w >= 0; w--) unscaled = (unscaled << 32n) | BigInt(data.values[i * words + w])
      unscaled = BigInt.asIntN(type.bitWidth, unscaled)
      return decimalString(unscaled, type.scale)
    }
    case Type.Date: return dateString(type.unit === 0 ? data.values[i] : Number(data.values[i]) / 86400000)
    case Type.Timestamp: {
      const raw = BigInt(data.values[i])
      const factor = [1000000n, 1000n, 1n, 0n][type.unit]
      return (type.unit === 3 ? raw / 1000n : raw * factor).toString()
    }
    case Type.Struct: return Object.fromEntries(type.children.map((field, c) => [field.name, arrowValue(data.children[c], index)]))
    case Type.List: {
      const out = []
      for (let j = data.valueOffsets[i]; j < data.valueOffsets[i + 1]; j++) out.push(arrowValue(data.children[0], j - data.children[0].offset))
      return out
    }
    case Type.Map: {
      const out = []
      const entries = data.children[0]
      for (let j = data.valueOffsets[i]; j < data.valueOffsets[i + 1]; j++) {
        out.push([arrowValue(entries.children[0], j - entries.offset), arrowValue(entries.children[1], j - entries.offset)])
      }
      return out
    }
    default: throw new Error('Arrow type not handled: ' + type.toString())
  }
}

function readWithArrow(bytes) {
  const table = tableFromIPC(parquetWasm.readParquet(bytes).intoIPCStream())
  const rows = []
  for (const batch of table.batches) {
    for (let r = 0; r < batch.numRows; r++) {
      rows.push(Object.fromEntries(batch.schema.fields.map((field, c) => [field.name, arrowValue(batch.data.children[c], r)])))
    }
  }
  return rows
}

// ---- hyparquet: timestamps and dates come through parsers we give it, decimals it turns into JS numbers ----
function hyparquetCanonical(value, element) {
  if (value === null || value === undefined) return null
  const children = element.children
  if (children.length > 0) {
    const logical = element.element.converted_type ?? element.element.logical_type?.type
    if (logical === 'LIST') {
      const inner = children[0].children[0]
      return value.map(v => hyparquetCanonical(v, inner))
    }
    if (logical === 'MAP') {
      const [keyElement, valueElement] = children[0].children
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value)
      return entries.map(([k, v]) => [hyparquetCanonical(k, keyElement), hyparquetCanonical(v, valueElement)])
    }
    return Object.fromEntries(children.map(child => [child.element.name, hyparquetCanonical(value[child.element.name], child)]))
  }
  const e = element.element
  if (e.converted_type === 'DECIMAL' || e.logical_type?.type === 'DECIMAL') return Number(value).toFixed(e.scale ?? 0)
  if (e.type === 'BYTE_ARRAY' && e.converted_type !== 'UTF8') return toBase64(value)
  if (typeof value === 'bigint') return value.toString()
  return value
}

async function readWithHyparquet(bytes) {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  const metadata = parquetMetadata(file)
  const schema = parquetSchema(metadata)
  const rows = await parquetReadObjects({
    file,
    compressors,
    utf8: false,
    parsers: {
      timestampFromMilliseconds: millis => (BigInt(millis) * 1000n).toString(),
      timestampFromMicroseconds: micros => BigInt(micros).toString(),
      dateFromDays: days => dateString(days),
    },
  })
  return rows.map(row => Object.fromEntries(schema.children.map(child => [child.element.name, hyparquetCanonical(row[child.element.name], child)])))
}

function footerFacts(bytes) {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  const metadata = parquetMetadata(file)
  const stat = v => (v === undefined || v === null) ? null : (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? toBase64(v) : v)
  return {
    createdBy: metadata.created_by,
    numRows: Number(metadata.num_rows),
    rowGroups: metadata.row_groups.map(group => ({
      numRows: Number(group.num_rows),
      columns: group.columns.map(chunk => ({
        path: chunk.meta_data.path_in_schema.join('.'),
        codec: chunk.meta_data.codec,
        encodings: chunk.meta_data.encodings,
        hasDictionaryPage: chunk.meta_data.dictionary_page_offset !== undefined,
        nullCount: chunk.meta_data.statistics?.null_count === undefined ? null : Number(chunk.meta_data.statistics.null_count),
        min: stat(chunk.meta_data.statistics?.min_value),
        max: stat(chunk.meta_data.statistics?.max_value),
      })),
    })),
  }
}

// ---- Snappy framings, blocks decoded by snappyjs ----
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

function maskedCrc32c(bytes) {
  let crc = 0xffffffff
  for (const b of bytes) crc = CRC32C_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8)
  crc = (crc ^ 0xffffffff) >>> 0
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0
}

function decodeFramed(bytes) {
  const out = []
  let at = 0
  let sawIdentifier = false
  while (at < bytes.length) {
    const type = bytes[at]
    const length = bytes[at + 1] | (bytes[at + 2] << 8) | (bytes[at + 3] << 16)
    const body = bytes.subarray(at + 4, at + 4 + length)
    if (body.length !== length) throw new Error('truncated chunk at ' + at)
    at += 4 + length
    if (type === 0xff) {
      if (Buffer.from(body).toString('latin1') !== 'sNaPpY') throw new Error('bad stream identifier')
      sawIdentifier = true
      continue
    }
    if (!sawIdentifier) throw new Error('no stream identifier before data')
    if (type === 0x00 || type === 0x01) {
      const expected = Buffer.from(body.buffer, body.byteOffset, body.byteLength).readUInt32LE(0)
      const data = type === 0x00 ? snappy.uncompress(body.subarray(4)) : body.subarray(4)
      if (data.length > 65536) throw new Error('chunk larger than 65536 bytes')
      if (maskedCrc32c(data) !== expected) throw new Error('checksum mismatch in chunk ending at ' + at)
      out.push(Buffer.from(data))
    } else if (type >= 0x02 && type <= 0x7f) {
      throw new Error('reserved unskippable chunk ' + type)
    }
  }
  if (!sawIdentifier) throw new Error('empty stream without identifier')
  return Buffer.concat(out)
}

function decodeHadoop(bytes) {
  const out = []
  let at = 0
  while (at < bytes.length) {
    const rawLength = bytes.readUInt32BE(at)
    at += 4
    let produced = 0
    while (produced < rawLength) {
      const compressedLength = bytes.readUInt32BE(at)
      at += 4
      const block = Buffer.from(snappy.uncompress(bytes.subarray(at, at + compressedLength)))
      at += compressedLength
      produced += block.length
      out.push(block)
    }
    if (produced !== rawLength) throw new Error(`block says ${rawLength} bytes, decoded ${produced}`)
  }
  return Buffer.concat(out)
}

async function main() {
  switch (command) {
    case 'parquet': {
      const bytes = new Uint8Array(readFileSync(args[0]))
      const result = {
        duckdb: await readWithDuckdb(args[0]),
        arrow: readWithArrow(bytes),
        hyparquet: await readWithHyparquet(bytes),
        footer: footerFacts(bytes),
      }
      process.stdout.write(JSON.stringify(result))
      break
    }
    case 'ndjson-gz': {
      const connection = await duckdbConnect()
      const reader = await connection.runAndReadAll(
        `SELECT json::VARCHAR AS line FROM read_ndjson_objects('${args[0].replaceAll("'", "''")}', compression = 'gzip')`)
      process.stdout.write(JSON.stringify(reader.getRows().map(row => row[0])))
      break
    }
    case 'snappy-framed':
      writeFileSync(args[1], decodeFramed(readFileSync(args[0])))
      break
    case 'hadoop-snappy':
      writeFileSync(args[1], decodeHadoop(readFileSync(args[0])))
      break
    case 'duckdb-write': {
      const [input, output, codec, columnsJson] = args
      const connection = await duckdbConnect()
      const columns = Object.entries(JSON.parse(columnsJson)).map(([k, v]) => `'${k}': '${v}'`).join(', ')
      await connection.run(
        `COPY (SELECT * FROM read_json('${input}', format = 'newline_delimited', columns = {${columns}})) TO '${output}' (FORMAT parquet, COMPRESSION ${codec})`)
      break
    }
    default:
      throw new Error('unknown command ' + command)
  }
}

main().catch(error => {
  process.stderr.write(String(error?.stack ?? error) + '\n')
  process.exit(1)
})
