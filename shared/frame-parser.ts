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
 * string), the ack id + 1 (var uint; 0 = none), the attachment count and each attachment (its
 * slot as a var uint, its bytes as a var uint8 array), then the JSON of the packet's data array
 * up to the end. A binary that is an element of the data array itself (an event argument) is left
 * out of the JSON and has slot = its index + 1; one nested deeper has slot 0 and stands in the
 * JSON as `{"$":n}`, n its attachment number. The format is docs/protocol.md's "single-frame parser".
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { decodeUtf8, encodeUtf8 } from 'lib0/string'
import * as sio from 'socket.io-parser'

/** The handshake query by which a client says it speaks this parser. */
export const SINGLE_FRAME_QUERY = { frames: 'single' } as const

/** Attachments one packet may carry, as the default parser allows. */
const MAX_ATTACHMENTS = 10
const PLACEHOLDER_KEY = '$'

export type EncodedPacket = string | Uint8Array

interface Attachment {
  bytes: Uint8Array
  /** Index + 1 in the data array for an argument; 0 for a binary nested in one (a placeholder). */
  slot: number
}

export class Encoder {
  private readonly text = new sio.Encoder()

  encode(packet: sio.Packet): EncodedPacket[] {
    const data: unknown = packet.data
    const isEventOrAck = packet.type === sio.PacketType.EVENT || packet.type === sio.PacketType.ACK
    if (isEventOrAck && Array.isArray(data) && data.some(containsBinary)) {
      const attachments: Attachment[] = []
      const rest: unknown[] = []
      data.forEach((arg: unknown, index) => {
        const bytes = asBytes(arg)
        if (bytes) addAttachment(attachments, bytes, index + 1)
        else rest.push(withPlaceholders(arg, attachments))
      })
      return [encodeFrame(packet, rest, attachments)]
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

function encodeFrame(packet: sio.Packet, rest: unknown[], attachments: Attachment[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, packet.type === sio.PacketType.EVENT ? sio.PacketType.BINARY_EVENT : sio.PacketType.BINARY_ACK)
  encoding.writeVarString(encoder, packet.nsp)
  encoding.writeVarUint(encoder, packet.id === undefined ? 0 : packet.id + 1)
  encoding.writeVarUint(encoder, attachments.length)
  for (const { bytes, slot } of attachments) {
    encoding.writeVarUint(encoder, slot)
    encoding.writeVarUint8Array(encoder, bytes)
  }
  encoding.writeUint8Array(encoder, encodeUtf8(JSON.stringify(rest)))
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
  const attachments: Attachment[] = []
  for (let i = 0; i < count; i++) {
    const slot = decoding.readVarUint(decoder)
    attachments.push({ slot, bytes: decoding.readVarUint8Array(decoder) })
  }
  const data: unknown = withAttachments(JSON.parse(decodeUtf8(decoding.readTailAsUint8Array(decoder))), attachments)
  if (!Array.isArray(data)) throw new Error('single-frame packet data is not an array')
  // Arguments go back to their places, in increasing order, so each lands at its final index.
  let lastSlot = 0
  for (const { bytes, slot } of attachments) {
    if (slot === 0) continue
    if (slot <= lastSlot || slot - 1 > data.length) throw new Error('illegal attachment slot')
    data.splice(slot - 1, 0, bytes)
    lastSlot = slot
  }
  const packet: sio.Packet = {
    type: binaryType === sio.PacketType.BINARY_EVENT ? sio.PacketType.EVENT : sio.PacketType.ACK,
    nsp,
    data,
    ...(idPlusOne > 0 ? { id: idPlusOne - 1 } : {}),
  }
  if (!sio.isPacketValid(packet)) throw new Error('invalid single-frame packet')
  return packet
}

function addAttachment(attachments: Attachment[], bytes: Uint8Array, slot: number): void {
  if (attachments.length === MAX_ATTACHMENTS) throw new Error('too many attachments')
  attachments.push({ bytes, slot })
}

/** A copy of `value` with every binary replaced by a placeholder, the binaries appended to `attachments`. */
function withPlaceholders(value: unknown, attachments: Attachment[]): unknown {
  const bytes = asBytes(value)
  if (bytes) {
    addAttachment(attachments, bytes, 0)
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
function withAttachments(value: unknown, attachments: Attachment[]): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = withAttachments(value[i], attachments)
    return value
  }
  if (!isPlainObject(value)) return value
  const keys = Object.keys(value)
  if (keys.length === 1 && keys[0] === PLACEHOLDER_KEY) {
    const index = value[PLACEHOLDER_KEY]
    const attachment = typeof index === 'number' ? attachments[index] : undefined
    if (!attachment || attachment.slot !== 0) throw new Error('illegal attachment placeholder')
    return attachment.bytes
  }
  for (const key of keys) value[key] = withAttachments(value[key], attachments)
  return value
}

/** Whether `value` is or holds a binary; checked first, so packets without one (acks) are not copied. */
function containsBinary(value: unknown): boolean {
  if (asBytes(value)) return true
  if (Array.isArray(value)) return value.some(containsBinary)
  return isPlainObject(value) && Object.values(value).some(containsBinary)
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
