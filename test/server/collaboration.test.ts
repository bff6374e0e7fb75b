import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { CollabConnection } from '../../shared/connection.ts'
import type { JoinReply, JoinSuccess, OkReply } from '../../shared/protocol.ts'
import { connectClient, converged, openConnection, startTestServer, until, untilConverged } from '../helpers.ts'
import { captureUpdate, join, rawSocket, request } from '../raw-socket.ts'

function insertParagraph(doc: Y.Doc, text: string): void {
  const fragment = doc.getXmlFragment('prosemirror')
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText(text)])
  fragment.insert(fragment.length, [paragraph])
}

/** Counts the bytes the engine sends and receives, across reconnects. */
function countWireBytes(connection: CollabConnection): { sent: number; received: number; reset(): void } {
  const counter = { sent: 0, received: 0, reset: () => Object.assign(counter, { sent: 0, received: 0 }) }
  const size = (data: unknown) =>
    typeof data === 'string' ? Buffer.byteLength(data) : data instanceof ArrayBuffer ? data.byteLength : ArrayBuffer.isView(data) ? data.byteLength : 0
  const hook = () => {
    const engine = connection.socket.io.engine
    engine.on('packetCreate', (packet: { data?: unknown }) => (counter.sent += size(packet.data)))
    engine.on('packet', (packet: { data?: unknown }) => (counter.received += size(packet.data)))
  }
  connection.socket.io.on('open', hook)
  if (connection.socket.io.engine) hook()
  return counter
}

describe('collaboration through the server', () => {
  it('makes two clients converge on text typed at the same time', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const a = connectClient(server.url, id, tokens.editor)
    const b = connectClient(server.url, id, tokens.editor)
    await Promise.all([a.whenSynced(), b.whenSynced()])
    a.doc.getText('title').insert(0, 'Hello')
    b.doc.getText('title').insert(0, 'World')
    insertParagraph(a.doc, 'from a')
    insertParagraph(b.doc, 'from b')
    await untilConverged([a.doc, b.doc])
    expect(a.doc.getText('title').toString()).toHaveLength(10)
    expect(a.doc.getXmlFragment('prosemirror').length).toBe(2)
    await Promise.all([a.whenSaved(), b.whenSaved()])
  })

  it('makes five clients converge', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const clients = Array.from({ length: 5 }, () => connectClient(server.url, id, tokens.editor))
    await Promise.all(clients.map((c) => c.whenSynced()))
    clients.forEach((client, i) => {
      for (let k = 0; k < 10; k++) client.doc.getText('title').insert(0, String(i))
    })
    await untilConverged(clients.map((c) => c.doc))
    expect(clients[0]!.doc.getText('title').length).toBe(50)
  })

  it('gives a late joiner everything written before it came', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const early = connectClient(server.url, id, tokens.editor)
    await early.whenSynced()
    for (let i = 0; i < 20; i++) insertParagraph(early.doc, `paragraph ${i}`)
    early.doc.getText('title').insert(0, 'Minutes')
    await early.whenSaved()
    const late = connectClient(server.url, id, tokens.viewer)
    await late.whenSynced()
    expect(converged([early.doc, late.doc])).toBe(true)
    expect(late.role).toBe('viewer')
  })

  it('merges edits both sides made while one was offline, sending about the size of the diff', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const a = connectClient(server.url, id, tokens.editor)
    const b = connectClient(server.url, id, tokens.editor)
    await Promise.all([a.whenSynced(), b.whenSynced()])
    for (let i = 0; i < 200; i++) insertParagraph(a.doc, `shared paragraph ${i} `.repeat(5))
    a.doc.getText('title').insert(0, 'Title')
    await untilConverged([a.doc, b.doc])
    await a.whenSaved()
    const documentBytes = Y.encodeStateAsUpdate(a.doc).length

    const wire = countWireBytes(a.connection)
    a.connection.socket.disconnect()
    const offlineBase = Y.encodeStateVector(a.doc)
    const title = a.doc.getText('title')
    for (let i = 0; i < 100; i++) title.insert(title.length, 'x')
    insertParagraph(a.doc, 'written offline')
    b.doc.getText('title').insert(0, 'online: ')
    expect(a.unsavedUpdates).toBe(101)
    const offlineDiff = Y.encodeStateAsUpdate(a.doc, offlineBase).length

    wire.reset()
    a.connection.socket.connect()
    await untilConverged([a.doc, b.doc])
    await a.whenSaved()
    expect(a.unsavedUpdates).toBe(0)
    expect(a.doc.getText('title').toString()).toBe('online: Title' + 'x'.repeat(100))
    // The resync carries the offline diff once (plus packet framing), never the whole document.
    expect(wire.sent).toBeLessThan(offlineDiff * 1.5 + 400)
    expect(wire.sent).toBeLessThan(documentBytes / 10)
    expect(wire.received).toBeLessThan(documentBytes / 10)
  })

  it('sends the join reply in the v2 encoding to a client that asks for it, and v1 otherwise', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const writer = await rawSocket(server.url)
    const { doc } = await join(writer, id, tokens.editor)
    // A few KB of text written as edits in the middle of paragraphs: many small Yjs items, as in a real document.
    const words = 'the quick brown fox jumps over a lazy dog while an editor keeps typing'.split(' ')
    const writing = captureUpdate(doc, (d) =>
      d.transact(() => {
        for (let p = 0; p < 20; p++) {
          const text = new Y.XmlText()
          const paragraph = new Y.XmlElement('paragraph')
          paragraph.insert(0, [text])
          d.getXmlFragment('prosemirror').push([paragraph])
          for (let w = 0; w < 30; w++) text.insert(Math.floor(text.length / 2), `${words[(p + w) % words.length]} `)
        }
      }),
    )
    expect(await request<OkReply>(writer, 'update', id, writing)).toEqual({ ok: true })
    const serverDoc = server.registry.get(id)!.doc
    expect(serverDoc.getXmlFragment('prosemirror').toString().length).toBeGreaterThan(3000)

    /** A fresh client's join, each on its own socket, with `options` as the fourth argument if given. */
    const freshJoin = async (...options: unknown[]): Promise<Uint8Array> => {
      const socket = await rawSocket(server.url)
      const reply = await request<JoinReply>(socket, 'join', id, tokens.viewer, Y.encodeStateVector(new Y.Doc()), ...options)
      expect(reply.ok, JSON.stringify(options)).toBe(true)
      return new Uint8Array((reply as JoinSuccess).update)
    }

    const v2 = await freshJoin({ updateFormat: 'v2' })
    expect(Buffer.from(v2)).toEqual(Buffer.from(Y.encodeStateAsUpdateV2(serverDoc)))
    const v2Doc = new Y.Doc()
    Y.applyUpdateV2(v2Doc, v2)
    expect(converged([v2Doc, serverDoc])).toBe(true)

    const v1 = await freshJoin()
    expect(Buffer.from(v1)).toEqual(Buffer.from(Y.encodeStateAsUpdate(serverDoc)))
    const v1Doc = new Y.Doc()
    Y.applyUpdate(v1Doc, v1)
    expect(converged([v1Doc, serverDoc])).toBe(true)
    // An explicit `undefined` arrives as null: no options either.
    for (const options of [{}, { updateFormat: 'v1' }, { other: 'ignored' }, undefined]) {
      expect(Buffer.from(await freshJoin(options)), JSON.stringify(options)).toEqual(Buffer.from(v1))
    }

    expect(v2.length).toBeLessThan(v1.length / 2)
  })

  it('joins fresh asking for a v2 reply, rejoins with v1 without resending deletions the server already has', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const a = connectClient(server.url, id, tokens.editor)
    const firstJoin: unknown[][] = []
    a.connection.socket.onAnyOutgoing((...event: unknown[]) => event[0] === 'join' && firstJoin.push(event))
    await a.whenSynced()
    expect(firstJoin[0]?.[4]).toEqual({ updateFormat: 'v2' })
    a.doc.getText('title').insert(0, 'Hello world')
    a.doc.getText('title').delete(5, 6)
    await a.whenSaved()
    a.connection.socket.disconnect()
    const sent: unknown[][] = []
    a.connection.socket.onAnyOutgoing((...event: unknown[]) => sent.push(event))
    a.connection.socket.connect()
    // The resync diff carries the local delete set; the server's (v1) reply shows it has it all.
    await a.whenSynced()
    expect(sent.find(([event]) => event === 'join')).toHaveLength(4) // no options: a catch-up diff is small
    expect(sent.map(([event]) => event)).not.toContain('update')
    expect(a.unsavedUpdates).toBe(0)
  })

  it('shows presence to others and removes it when a client leaves cleanly', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const a = connectClient(server.url, id, tokens.editor)
    const b = connectClient(server.url, id, tokens.viewer)
    await Promise.all([a.whenSynced(), b.whenSynced()])
    a.awareness!.setLocalStateField('user', { name: 'Ada', color: '#336699' })
    const bAwareness = b.awareness!
    await until(() => bAwareness.getStates().get(a.doc.clientID)?.user?.name === 'Ada', [[bAwareness, ['change']]], 'Ada to appear')

    // A joiner receives the states already present.
    const c = connectClient(server.url, id, tokens.viewer)
    await until(() => c.awareness!.getStates().has(a.doc.clientID), [[c.awareness!, ['change']]], 'Ada to appear to the joiner')

    a.disconnect()
    await until(() => !bAwareness.getStates().has(a.doc.clientID), [[bAwareness, ['change']]], 'Ada to disappear')
    await until(() => !c.awareness!.getStates().has(a.doc.clientID), [[c.awareness!, ['change']]], 'Ada to disappear for the joiner')
  })

  it('removes the presence of a client whose connection dropped', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const a = connectClient(server.url, id, tokens.editor)
    const b = connectClient(server.url, id, tokens.editor)
    await Promise.all([a.whenSynced(), b.whenSynced()])
    a.awareness!.setLocalStateField('user', { name: 'Grace', color: '#aa3300' })
    const bAwareness = b.awareness!
    await until(() => bAwareness.getStates().has(a.doc.clientID), [[bAwareness, ['change']]], 'Grace to appear')
    // Drop the transport without a goodbye, as a crashed tab or a lost network would.
    a.connection.socket.io.engine.close()
    await until(() => !bAwareness.getStates().has(a.doc.clientID), [[bAwareness, ['change']]], 'Grace to disappear')
  })

  it('keeps the other providers of a shared connection syncing when one disconnects', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const connection = openConnection(server.url)
    const content = connectClient(server.url, id, tokens.editor, { connection })
    const comments = connectClient(server.url, `${id}/comments`, tokens.editor, { connection, awareness: null })
    const peer = connectClient(server.url, id, tokens.editor)
    await Promise.all([content.whenSynced(), comments.whenSynced(), peer.whenSynced()])

    comments.disconnect()
    expect(connection.connected).toBe(true)
    peer.doc.getText('title').insert(0, 'still live')
    await untilConverged([content.doc, peer.doc])

    content.disconnect()
    expect(connection.connected).toBe(false)
    comments.connect()
    content.connect()
    await Promise.all([content.whenSynced(), comments.whenSynced()])
    content.doc.getText('title').insert(0, 'back: ')
    await untilConverged([content.doc, peer.doc])
  })

  it('works over HTTP long-polling alone', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const polling = { socketOptions: { transports: ['polling' as const] } }
    const a = connectClient(server.url, id, tokens.editor, polling)
    const b = connectClient(server.url, id, tokens.editor, polling)
    await Promise.all([a.whenSynced(), b.whenSynced()])
    expect(a.connection.socket.io.engine.transport.name).toBe('polling')
    insertParagraph(a.doc, 'over polling')
    b.doc.getText('title').insert(0, 'Polled')
    await untilConverged([a.doc, b.doc])
    await Promise.all([a.whenSaved(), b.whenSaved()])
  })

  it('keeps the document across a server restart', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const a = connectClient(server.url, id, tokens.editor)
    await a.whenSynced()
    insertParagraph(a.doc, 'durable')
    a.doc.getText('title').insert(0, 'Kept')
    await a.whenSaved()
    const expected = Y.encodeStateAsUpdate(a.doc)
    a.destroy()
    await server.close()

    const again = await startTestServer({}, server.dataDir)
    const b = connectClient(again.url, id, tokens.editor)
    await b.whenSynced()
    const reference = new Y.Doc()
    Y.applyUpdate(reference, expected)
    expect(converged([reference, b.doc])).toBe(true)
    const [info] = await Promise.all([
      fetch(`${again.url}/api/docs/${id}`, { headers: { authorization: `Bearer ${tokens.viewer}` } }).then((r) => r.json()),
    ])
    expect(info).toMatchObject({ id, title: 'Kept', role: 'viewer' })
  })

  it('unloads a document once its last client left and loads it again on the next join', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const a = connectClient(server.url, id, tokens.editor)
    await a.whenSynced()
    a.doc.getText('title').insert(0, 'Idle')
    await a.whenSaved()
    expect(server.registry.size).toBe(1)
    a.disconnect()
    await until(() => server.registry.size === 0, [[server.registry, ['unloaded']]], 'the document to unload')
    const b = connectClient(server.url, id, tokens.editor)
    await b.whenSynced()
    expect(b.doc.getText('title').toString()).toBe('Idle')
  })
})
