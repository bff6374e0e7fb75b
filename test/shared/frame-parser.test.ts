import * as sio from 'socket.io-parser'
import { describe, expect, it } from 'vitest'
import { Decoder, Encoder, toDefaultEncoding } from '../../shared/frame-parser.ts'

const { EVENT, ACK, CONNECT } = sio.PacketType

/** Feeds `messages` to a fresh decoder and returns the packets it emitted. */
function decodeAll(messages: Array<string | Uint8Array | ArrayBuffer>): sio.Packet[] {
  const decoder = new Decoder()
  const packets: sio.Packet[] = []
  decoder.on('decoded', (packet) => packets.push(packet))
  for (const message of messages) decoder.add(message)
  return packets
}

function decodeOne(message: string | Uint8Array | ArrayBuffer): sio.Packet {
  const [packet] = decodeAll([message])
  if (!packet) throw new Error('nothing decoded')
  return packet
}

const update = new Uint8Array([1, 2, 3, 250, 0, 7])

describe('single-frame parser', () => {
  it('encodes an event with binary as one message and decodes it back', () => {
    const packet = { type: EVENT, nsp: '/collab', data: ['update', 'doc-1', update] }
    const messages = new Encoder().encode(packet)
    expect(messages).toHaveLength(1)
    expect(messages[0]).toBeInstanceOf(Uint8Array)
    const decoded = decodeOne(messages[0]!)
    expect(decoded).toEqual({ type: EVENT, nsp: '/collab', data: ['update', 'doc-1', update] })
  })

  it('carries nested binaries, ack ids and non-binary values through', () => {
    const stateVector = new Uint8Array([9, 9])
    const reply = { ok: true, role: 'editor', update, stateVector, nested: [{ deep: stateVector }, null, 3, 'x'] }
    const packet = { type: ACK, nsp: '/collab', id: 42, data: [reply] }
    const [message] = new Encoder().encode(packet)
    const decoded = decodeOne(message!)
    expect(decoded).toEqual({ type: ACK, nsp: '/collab', id: 42, data: [reply] })
    // Binary decodes as Uint8Array views of the message, never as plain objects.
    expect((decoded.data as [typeof reply])[0].update).toBeInstanceOf(Uint8Array)
  })

  it('puts binary arguments back in their places, around nested binaries and other arguments', () => {
    const data = [update, 'x', { nested: [update, 1] }, update, null, update]
    const [message] = new Encoder().encode({ type: EVENT, nsp: '/collab', data: ['e', ...data] })
    expect(decodeOne(message!).data).toEqual(['e', ...data])
    // Arguments are left out of the JSON; only the nested binary has a placeholder.
    const json = new TextDecoder().decode(message as Uint8Array)
    expect(json).toContain('["e","x",{"nested":[{"$":1},1]},null]')
  })

  it('accepts Node Buffers, ArrayBuffers and typed-array views as binary', () => {
    const buffer = Buffer.from([1, 2, 3])
    const arrayBuffer = new Uint8Array([4, 5]).buffer
    const view = new DataView(new Uint8Array([0, 6, 7, 0]).buffer, 1, 2)
    const [message] = new Encoder().encode({ type: EVENT, nsp: '/', data: ['x', buffer, arrayBuffer, view] })
    // A browser hands the decoder an ArrayBuffer.
    const asArrayBuffer = (message as Uint8Array).slice().buffer
    expect(decodeOne(asArrayBuffer).data).toEqual(['x', new Uint8Array([1, 2, 3]), new Uint8Array([4, 5]), new Uint8Array([6, 7])])
  })

  it('encodes packets without binary exactly as the default parser does', () => {
    const packets: sio.Packet[] = [
      { type: CONNECT, nsp: '/collab', data: { identity: 'x'.repeat(20) } },
      { type: EVENT, nsp: '/collab', data: ['revoked', 'doc', { code: 'forbidden', message: 'm' }] },
      { type: ACK, nsp: '/collab', id: 3, data: [{ ok: true }] },
    ]
    for (const packet of packets) expect(new Encoder().encode(packet)).toEqual(new sio.Encoder().encode(packet))
  })

  it("decodes the default parser's messages too, interleaved with its own", () => {
    const defaultMessages = new sio.Encoder().encode({ type: EVENT, nsp: '/collab', data: ['update', 'a', update] })
    expect(defaultMessages).toHaveLength(2) // text header + attachment
    const [own] = new Encoder().encode({ type: EVENT, nsp: '/collab', data: ['update', 'b', update] })
    const packets = decodeAll([own!, ...defaultMessages, '2/collab,["leave","a"]', own!])
    expect(packets.map((p) => p.data as unknown[])).toEqual([
      ['update', 'b', update],
      ['update', 'a', update],
      ['leave', 'a'],
      ['update', 'b', update],
    ])
  })

  it('re-encodes a single-frame message as the default parser would have sent it', () => {
    const packet = { type: ACK, nsp: '/collab', id: 7, data: [{ ok: true, update, stateVector: update }] }
    const [frame] = new Encoder().encode(packet)
    expect(toDefaultEncoding(frame as Uint8Array)).toEqual(new sio.Encoder().encode(packet))
  })

  it('refuses malformed messages with an error', () => {
    const valid = new Encoder().encode({ type: EVENT, nsp: '/collab', data: ['update', 'a', update] })[0] as Uint8Array
    const malformed: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array()],
      ['unknown packet type', new Uint8Array([2, 0, 0, 1, 0])],
      ['truncated', valid.subarray(0, valid.length - 20)],
      ['attachment longer than the message', Uint8Array.from([5, 1, 0x2f, 0, 1, 3, 0xff, 0x7f, 1])],
      ['no attachment', frame(0, [], '["update","a"]')],
      ['eleven attachments', frame(11, Array(11).fill([3, update]), '["update","a"]')],
      ['placeholder out of range', frame(1, [[0, update]], '["update","a",{"$":1}]')],
      ['placeholder not an integer', frame(1, [[0, update]], '["update","a",{"$":"0"}]')],
      ['placeholder naming an argument', frame(1, [[3, update]], '["update","a",{"$":0}]')],
      ['argument slot past the end', frame(1, [[4, update]], '["update","a"]')],
      ['argument slots out of order', frame(2, [[3, update], [2, update]], '["update"]')],
      ['reserved event name', frame(1, [[2, update]], '["disconnect"]')],
      ['data not an array', frame(1, [[0, update]], '{"$":0}')],
      ['not JSON', frame(1, [[3, update]], '["update",')],
    ]
    for (const [what, message] of malformed) {
      expect(() => decodeAll([message]), what).toThrow()
    }
    // A message that was cut off inside a pooled buffer must not read past its own end.
    const pool = new Uint8Array(valid.length + 100)
    pool.set(valid)
    expect(() => decodeAll([new Uint8Array(pool.buffer, 0, valid.length - 3)])).toThrow()
  })
})

/** A hand-made binary-event message: `count` claimed attachments, then these [slot, bytes], then `json`. */
function frame(count: number, attachments: Array<[number, Uint8Array]>, json: string): Uint8Array {
  const bytes = [5, 7, ...new TextEncoder().encode('/collab'), 0, count]
  for (const [slot, attachment] of attachments) bytes.push(slot, attachment.length, ...attachment)
  return Uint8Array.from([...bytes, ...new TextEncoder().encode(json)])
}
