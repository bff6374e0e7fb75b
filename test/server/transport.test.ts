import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { connectClient, startTestServer, untilConverged } from '../helpers.ts'

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
