/**
 * A Socket.IO parser that sends an event or ack carrying binary as ONE message.
 *
 * Socket.IO's default parser sends such a packet as a text header plus one binary message per
 * attachment: two WebSocket frames (two socket writes) for every relayed Yjs update. This one
 * packs header and attachments into a single binary message; packets without binary are
 * encoded exactly as the default parser does. Its decoder reads both its own messages and the
 * default parser's, so a server running it still understands default-parser clients; the
 * server re-encodes what it sends to those (see `server/transport.ts`).
 *
 * A message is: the packet type (5 = binary event, 6 = binary ack), the namespace (lib0 var
 * string), the ack id + 1 (var uint; 0 = none), the attachment count and each attachment
 * (var uint8 arrays), then the JSON of the packet data up to the end, in which attachment n
 * stands as `{"$bin":n}`. The format is docs/protocol.md's "single-frame parser".
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { decodeUtf8, encodeUtf8 } from 'lib0/string'
import * as sio from 'socket.io-parser'

/** The handshake query by which a client says it speaks this parser. */
export const SINGLE_FRAME_QUERY = { frames: 'single' } as const

/** Attachments one packet may carry, as the default parser allows. */
const MAX_ATTACHMENTS = 10
const PLACEHOLDER_KEY = '$bin'

export type EncodedPacket = string | Uint8Array

export class Encoder {
  private readonly text = new sio.Encoder()

  encode(packet: sio.Packet): EncodedPacket[] {
    if (packet.type === sio.PacketType.EVENT || packet.type === sio.PacketType.ACK) {
      const attachments: Uint8Array[] = []
      const data = withPlaceholders(packet.data, attachments)
      if (attachments.length > 0) return [encodeFrame(packet, data, attachments)]
    }
    return this.text.encode(packet)
  }
}

export class Decoder extends sio.Decoder {
  /** True while the default parser's decoder waits for the attachments of a text header. */
  private awaitingAttachments = false

  constructor() {
    super()
    this.on('decoded', () => {
      this.awaitingAttachments = false
    })
  }

  override add(chunk: unknown): void {
    if (typeof chunk !== 'string' && !this.awaitingAttachments) {
      this.emitReserved('decoded', decodeFrame(chunk))
      return
    }
    // A text packet, or an attachment of one: the default parser's format. A complete packet
    // emits `decoded` synchronously (clearing the flag); a binary header leaves it set.
    this.awaitingAttachments = true
    try {
      super.add(chunk)
    } catch (error) {
      this.awaitingAttachments = false
      throw error
    }
  }

  override destroy(): void {
    super.destroy()
    this.awaitingAttachments = false
  }
}

/** The parser pair for Socket.IO's `parser` option, on the server and in clients. */
export const singleFrameParser = { Encoder, Decoder }

/** A single-frame message as the default parser would have sent it: a text header, then the attachments. */
export function toDefaultEncoding(frame: Uint8Array): EncodedPacket[] {
  return defaultEncoder.encode(decodeFrame(frame))
}
const defaultEncoder = new sio.Encoder()

function encodeFrame(packet: sio.Packet, data: unknown, attachments: Uint8Array[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, packet.type === sio.PacketType.EVENT ? sio.PacketType.BINARY_EVENT : sio.PacketType.BINARY_ACK)
  encoding.writeVarString(encoder, packet.nsp)
  encoding.writeVarUint(encoder, packet.id === undefined ? 0 : packet.id + 1)
  encoding.writeVarUint(encoder, attachments.length)
  for (const attachment of attachments) encoding.writeVarUint8Array(encoder, attachment)
  encoding.writeUint8Array(encoder, encodeUtf8(JSON.stringify(data)))
  return encoding.toUint8Array(encoder)
}

/** Decodes one single-frame message; throws on anything malformed (Socket.IO then closes that connection). */
function decodeFrame(chunk: unknown): sio.Packet {
  const bytes = toUint8Array(chunk)
  const binaryType = bytes[0]
  if (binaryType !== sio.PacketType.BINARY_EVENT && binaryType !== sio.PacketType.BINARY_ACK) {
    throw new Error('binary message is not a single-frame packet')
  }
  const decoder = decoding.createDecoder(bytes)
  decoder.pos = 1
  const nsp = decoding.readVarString(decoder)
  const idPlusOne = decoding.readVarUint(decoder)
  const count = decoding.readVarUint(decoder)
  if (count < 1 || count > MAX_ATTACHMENTS) throw new Error('illegal attachment count')
  const attachments: Uint8Array[] = []
  for (let i = 0; i < count; i++) attachments.push(decoding.readVarUint8Array(decoder))
  const json: unknown = JSON.parse(decodeUtf8(decoding.readTailAsUint8Array(decoder)))
  const packet: sio.Packet = {
    type: binaryType === sio.PacketType.BINARY_EVENT ? sio.PacketType.EVENT : sio.PacketType.ACK,
    nsp,
    data: withAttachments(json, attachments),
    ...(idPlusOne > 0 ? { id: idPlusOne - 1 } : {}),
  }
  if (!sio.isPacketValid(packet)) throw new Error('invalid single-frame packet')
  return packet
}

/** A copy of `value` with every binary replaced by a placeholder, the binaries appended to `attachments`. */
function withPlaceholders(value: unknown, attachments: Uint8Array[]): unknown {
  const bytes = asBytes(value)
  if (bytes) {
    if (attachments.length === MAX_ATTACHMENTS) throw new Error('too many attachments')
    attachments.push(bytes)
    return { [PLACEHOLDER_KEY]: attachments.length - 1 }
  }
  if (Array.isArray(value)) return value.map((item) => withPlaceholders(item, attachments))
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {}
    for (const key of Object.keys(value)) copy[key] = withPlaceholders(value[key], attachments)
    return copy
  }
  return value
}

/** `value` with every placeholder replaced by its attachment (in place). */
function withAttachments(value: unknown, attachments: Uint8Array[]): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = withAttachments(value[i], attachments)
    return value
  }
  if (!isPlainObject(value)) return value
  const keys = Object.keys(value)
  if (keys.length === 1 && keys[0] === PLACEHOLDER_KEY) {
    const index = value[PLACEHOLDER_KEY]
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= attachments.length) {
      throw new Error('illegal attachment placeholder')
    }
    return attachments[index]
  }
  for (const key of keys) value[key] = withAttachments(value[key], attachments)
  return value
}

function asBytes(value: unknown): Uint8Array | null {
  if (value instanceof Uint8Array) return value
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  return null
}

/** Binary arrives as Buffer in Node and as ArrayBuffer in browsers. */
function toUint8Array(chunk: unknown): Uint8Array {
  const bytes = asBytes(chunk)
  if (!bytes) throw new Error('unknown message type')
  return bytes
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}
