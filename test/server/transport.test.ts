import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { connectClient, nextEvent, startTestServer, until, untilConverged } from '../helpers.ts'
import { captureUpdate, join, rawSocket, request, type RawSocket } from '../raw-socket.ts'

/** Opens a raw engine.io WebSocket on the server, as a hostile or broken client would. */
function rawEngineSocket(url: string): Promise<WebSocket> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`)
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket))
    socket.once('error', reject)
  })
}

describe('transport', () => {
  it('survives frames that are not Socket.IO packets, and keeps serving everyone else', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const a = connectClient(server.url, id, tokens.editor)
    const b = connectClient(server.url, id, tokens.editor)
    await Promise.all([a.whenSynced(), b.whenSynced()])

    const junk: Array<string | Buffer> = [
      'plain text',
      '4',
      '40/collab,',
      '42/collab,["update"',
      '42/collab,["join",{"__proto__":{"x":1}}]',
      '451-/collab,["update","x",{"_placeholder":true,"num":7}]',
      Buffer.from([0xff, 0x00, 0xfe]),
      // Single-frame messages that lie about their contents.
      Buffer.from([5, 7, 0x2f, 0x63, 0x6f, 0x6c, 0x6c, 0x61, 0x62, 0, 1, 0xff, 0xff, 0x03]),
      Buffer.from([5, 7, 0x2f, 0x63, 0x6f, 0x6c, 0x6c, 0x61, 0x62, 0, 1, 1, 0, 0x5b, 0x22, 0x75, 0x70, 0x64, 0x61, 0x74, 0x65, 0x22, 0x5d]),
      Buffer.from([6, 0, 0, 1, 0]),
      Buffer.alloc(64 * 1024, 0x41),
      '\u0000\uffff',
    ]
    for (const frame of junk) {
      const socket = await rawEngineSocket(server.url)
      const closed = new Promise((resolve) => socket.once('close', resolve))
      socket.send(frame)
      socket.send('40/collab,')
      socket.send(frame)
      // The server drops such a connection or ignores the frame; either way this one is done.
      socket.close()
      await closed
    }

    a.doc.getText('title').insert(0, 'still here')
    await untilConverged([a.doc, b.doc])
    expect(b.doc.getText('title').toString()).toBe('still here')
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })
})

describe('binary framing', () => {
  /** Counts the Engine.IO messages a socket receives, by kind. */
  function countMessages(socket: RawSocket) {
    const counts = { text: 0, binary: 0 }
    socket.io.engine.on('packet', (packet) => {
      if (packet.type === 'message') counts[typeof packet.data === 'string' ? 'text' : 'binary']++
    })
    return counts
  }

  it('relays between single-frame and default-parser clients, one message per update to the former', async () => {
    const server = await startTestServer()
    for (const transports of [['websocket'], ['polling']] as const) {
      const { id, tokens } = await server.createDocument()
      const plain = await rawSocket(server.url, { transports: [...transports] })
      const framed = await rawSocket(server.url, { transports: [...transports], singleFrame: true })
      // Each join is followed by the doc's presence; it must be in before counting starts.
      const presence = [nextEvent(plain, 'awareness'), nextEvent(framed, 'awareness')]
      const { doc: plainDoc } = await join(plain, id, tokens.editor)
      const { doc: framedDoc } = await join(framed, id, tokens.editor)
      await Promise.all(presence)
      for (const [socket, doc] of [[plain, plainDoc], [framed, framedDoc]] as const) {
        socket.on('update', (_name: string, update: Uint8Array) => Y.applyUpdate(doc, new Uint8Array(update)))
      }
      const plainCounts = countMessages(plain)
      const framedCounts = countMessages(framed)

      for (let i = 0; i < 3; i++) {
        const fromPlain = captureUpdate(plainDoc, (d) => d.getText('t').insert(0, `p${i}`))
        expect(await request(plain, 'update', id, fromPlain)).toEqual({ ok: true })
        const fromFramed = captureUpdate(framedDoc, (d) => d.getText('t').insert(0, `f${i}`))
        expect(await request(framed, 'update', id, fromFramed)).toEqual({ ok: true })
      }
      await untilConverged([plainDoc, framedDoc])
      // Each relayed update: one binary message for the single-frame client; a text header and
      // an attachment for the default parser's. Acks are text for both.
      await until(() => framedCounts.binary === 3 && plainCounts.binary === 3, [
        [framed, ['update']],
        [plain, ['update']],
      ])
      expect(framedCounts).toEqual({ text: 3, binary: 3 })
      expect(plainCounts).toEqual({ text: 6, binary: 3 })
      expect(plainDoc.getText('t').length).toBe(12)
      plain.disconnect()
      framed.disconnect()
    }
  })
})
