import { crc32 } from 'node:zlib'

// A record frames one payload so that a torn or damaged write is recognised on reading:
// `[u32 LE payload length][u32 LE crc32 of payload][payload]`.

const HEADER_BYTES = 8

/** Frames a payload as one record: `[u32 LE payload length][u32 LE crc32 of payload][payload]`. */
export function encodeRecord(payload: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(HEADER_BYTES + payload.length)
  record.writeUInt32LE(payload.length, 0)
  record.writeUInt32LE(crc32(payload), 4)
  record.set(payload, HEADER_BYTES)
  return record
}

/** The records in `data[0, limit)`, up to the first one that is incomplete or fails its crc. */
export function decodeRecords(data: Buffer, limit = data.length): { records: Uint8Array[]; goodBytes: number } {
  const records: Uint8Array[] = []
  let offset = 0
  while (offset + HEADER_BYTES <= limit) {
    const length = data.readUInt32LE(offset)
    const end = offset + HEADER_BYTES + length
    if (end > limit) break
    const payload = new Uint8Array(data.buffer, data.byteOffset + offset + HEADER_BYTES, length)
    if (crc32(payload) !== data.readUInt32LE(offset + 4)) break
    records.push(payload)
    offset = end
  }
  return { records, goodBytes: offset }
}
