import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { findUpdateProblem } from '../../server/update-check.ts'
import { captureUpdate } from '../raw-socket.ts'

describe('findUpdateProblem', () => {
  it('accepts an update that continues what the doc has', () => {
    const server = new Y.Doc()
    const client = new Y.Doc()
    const first = captureUpdate(client, (d) => d.getText('t').insert(0, 'abc'))
    expect(findUpdateProblem(server, first)).toBeNull()
    Y.applyUpdate(server, first)
    const second = captureUpdate(client, (d) => d.getText('t').delete(1, 1))
    expect(findUpdateProblem(server, second)).toBeNull()
  })

  it('accepts an update that is already known, entirely or in part', () => {
    const server = new Y.Doc()
    const client = new Y.Doc()
    const first = captureUpdate(client, (d) => d.getText('t').insert(0, 'abc'))
    Y.applyUpdate(server, first)
    captureUpdate(client, (d) => d.getText('t').insert(3, 'def'))
    expect(findUpdateProblem(server, first)).toBeNull()
    expect(findUpdateProblem(server, Y.encodeStateAsUpdate(client))).toBeNull()
  })

  it('finds a gap in a client’s clocks', () => {
    const client = new Y.Doc()
    captureUpdate(client, (d) => d.getText('t').insert(0, 'abc'))
    const second = captureUpdate(client, (d) => d.getText('t').insert(3, 'd'))
    expect(findUpdateProblem(new Y.Doc(), second)).toMatch(/skips clocks/)
  })

  it('finds a reference to another client’s item that the doc lacks', () => {
    const alice = new Y.Doc()
    const bob = new Y.Doc()
    Y.applyUpdate(bob, captureUpdate(alice, (d) => d.getText('t').insert(0, 'abc')))
    const reply = captureUpdate(bob, (d) => d.getText('t').insert(2, 'X'))
    expect(findUpdateProblem(new Y.Doc(), reply)).toMatch(/missing item/)
  })

  it('finds a deletion of items the doc lacks', () => {
    const alice = new Y.Doc()
    const bob = new Y.Doc()
    Y.applyUpdate(bob, captureUpdate(alice, (d) => d.getText('t').insert(0, 'abc')))
    const deletion = captureUpdate(bob, (d) => d.getText('t').delete(0, 1))
    expect(findUpdateProblem(new Y.Doc(), deletion)).toMatch(/deletes unknown/)
  })

  it('finds content nested in an item that is not a type', () => {
    const client = new Y.Doc()
    const base = captureUpdate(client, (d) => d.getText('t').insert(0, 'abc'))
    const server = new Y.Doc()
    Y.applyUpdate(server, base)
    // A hand-made item whose parent is the text item `client:0`, which holds a string, not a type.
    const parent = Y.createID(client.clientID, 0)
    const item = new Y.Item(Y.createID(99, 0), null, null, null, null, parent as never, null, new Y.ContentString('x'))
    expect(findUpdateProblem(server, encodeSingleItem(item))).toMatch(/not a type/)
  })

  it('rejects bytes that do not decode, at once', () => {
    expect(findUpdateProblem(new Y.Doc(), new Uint8Array([1, 2, 3]))).toMatch(/decodable/)
    expect(findUpdateProblem(new Y.Doc(), new Uint8Array(0))).toMatch(/decodable/)
  })
})

/** Encodes one item as a v1 update (one client, one struct, empty delete set). */
function encodeSingleItem(item: Y.Item): Uint8Array {
  const encoder = new Y.UpdateEncoderV1()
  const rest = encoder.restEncoder
  encoding.writeVarUint(rest, 1) // clients
  encoding.writeVarUint(rest, 1) // structs of that client
  encoder.writeClient(item.id.client)
  encoding.writeVarUint(rest, item.id.clock)
  item.write(encoder, 0)
  encoding.writeVarUint(rest, 0) // empty delete set
  return encoder.toUint8Array()
}

