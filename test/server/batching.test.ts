import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { startTestServer, until } from '../helpers.ts'
import { captureUpdate, join, rawSocket, request, type RawSocket } from '../raw-socket.ts'

/** Blocks this process (and so the in-process server) while messages already sent pile up in its sockets. */
function blockEventLoop(ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end) {
    // spin
  }
}

/** Records the `update` events a socket receives for `name`, applying them to `doc`. */
function recordUpdates(socket: RawSocket, doc: Y.Doc): Uint8Array[] {
  const received: Uint8Array[] = []
  socket.on('update', (_name: string, update: Uint8Array) => {
    received.push(new Uint8Array(update))
    Y.applyUpdate(doc, new Uint8Array(update))
  })
  return received
}

/** A server, a new doc, and `count` single-frame sockets joined to it as editors, with their docs. */
async function joinedSockets(count: number) {
  const server = await startTestServer()
  const { id, tokens } = await server.createDocument()
  const sockets = await Promise.all(Array.from({ length: count }, () => rawSocket(server.url, { singleFrame: true })))
  const docs = await Promise.all(sockets.map(async (socket) => (await join(socket, id, tokens.editor)).doc))
  return { server, id, tokens, sockets, docs }
}

describe('batching a busy document', () => {
  it('relays and stores the updates of one event-loop turn as one merged update, acking each', async () => {
    const { server, id, tokens, sockets, docs } = await joinedSockets(3)
    const [a, b, observer] = sockets
    const [aDoc, bDoc, observerDoc] = docs as [Y.Doc, Y.Doc, Y.Doc]
    const toA = recordUpdates(a!, aDoc)
    const toB = recordUpdates(b!, bDoc)
    const toObserver = recordUpdates(observer!, observerDoc)

    const fromA = captureUpdate(aDoc, (d) => d.getText('t').insert(0, 'from a. '))
    const fromB = captureUpdate(bDoc, (d) => d.getText('t').insert(0, 'from b. '))
    const acks = [request(a!, 'update', id, fromA), request(b!, 'update', id, fromB)]
    // Both messages reach the server's sockets before it reads either: one turn handles both.
    blockEventLoop(100)
    expect(await Promise.all(acks)).toEqual([{ ok: true }, { ok: true }])

    await until(() => toObserver.length > 0 && toA.length > 0 && toB.length > 0, [[observer!, ['update']], [a!, ['update']], [b!, ['update']]])
    // One message to each, holding both changes; each sender gets the other's (and its own back).
    expect(toObserver).toHaveLength(1)
    expect(toA).toEqual(toObserver)
    expect(toB).toEqual(toObserver)
    const text = observerDoc.getText('t').toString()
    expect(text).toContain('from a. ')
    expect(text).toContain('from b. ')
    expect(aDoc.getText('t').toString()).toBe(text)

    // Stored too: a fresh server on the same data has both.
    await server.close()
    const restarted = await startTestServer({}, server.dataDir)
    const late = await rawSocket(restarted.url)
    const { doc: lateDoc } = await join(late, id, tokens.editor)
    expect(lateDoc.getText('t').toString()).toBe(text)
  })

  it('relays a lone update at once, to everyone but its sender', async () => {
    const { id, sockets, docs } = await joinedSockets(2)
    const [a, observer] = sockets
    const [aDoc, observerDoc] = docs as [Y.Doc, Y.Doc]
    const toA = recordUpdates(a!, aDoc)
    const toObserver = recordUpdates(observer!, observerDoc)
    const update = captureUpdate(aDoc, (d) => d.getText('t').insert(0, 'alone'))
    expect(await request(a!, 'update', id, update)).toEqual({ ok: true })
    await until(() => toObserver.length > 0, [[observer!, ['update']]])
    expect(toObserver).toEqual([update])
    expect(toA).toEqual([])
  })

  it('coalesces a busy document into fewer messages, and a quiet one not at all', async () => {
    const { id, sockets, docs } = await joinedSockets(2)
    const [sender, observer] = sockets
    const [senderDoc, observerDoc] = docs as [Y.Doc, Y.Doc]
    const received = recordUpdates(observer!, observerDoc)
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    const typeAndSend = async (count: number, everyMs: number) => {
      const acks: Array<Promise<unknown>> = []
      for (let i = 0; i < count; i++) {
        const update = captureUpdate(senderDoc, (d) => d.getText('t').insert(d.getText('t').length, 'x'))
        acks.push(request(sender!, 'update', id, update))
        await pause(everyMs)
      }
      expect(await Promise.all(acks)).toEqual(Array(count).fill({ ok: true }))
      await until(() => observerDoc.getText('t').length === senderDoc.getText('t').length, [[observer!, ['update']]])
    }

    // Quiet: 20 ms apart, each update is its own message.
    await typeAndSend(8, 20)
    expect(received).toHaveLength(8)
    // Busy: every millisecond or two, the server sends at most one message per 10 ms.
    received.length = 0
    await typeAndSend(80, 1)
    expect(received.length).toBeLessThan(60)
    expect(observerDoc.getText('t').toString()).toBe('x'.repeat(88))
  })
})
