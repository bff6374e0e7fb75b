import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { JoinReply, OkReply } from '../../shared/protocol.ts'
import { addThread } from '../../shared/comments.ts'
import { authorIdFromSecret, newIdentitySecret } from '../../shared/identity.ts'
import { startTestServer, until, type TestServer } from '../helpers.ts'
import { captureUpdate, join, rawSocket, request, type RawSocket } from '../raw-socket.ts'

/** A server, a document, an editor socket joined to it, and an observer that records what it receives. */
async function setup(config: Parameters<typeof startTestServer>[0] = {}) {
  const server = await startTestServer(config)
  const { id, tokens } = await server.createDocument()
  const editor = await rawSocket(server.url)
  const { doc } = await join(editor, id, tokens.editor)
  const observer = await rawSocket(server.url)
  const observed = await join(observer, id, tokens.viewer)
  const received: Uint8Array[] = []
  observer.on('update', (_name: string, update: Uint8Array) => received.push(update))
  return { server, id, tokens, editor, doc, observer, observedDoc: observed.doc, received }
}

/**
 * Sends a valid update from `socket` and waits until the observer received something: the
 * server handles a socket's events in order, so whatever it relayed of earlier events came first.
 */
async function sendSentinel(socket: RawSocket, id: string, doc: Y.Doc, observer: RawSocket, received: Uint8Array[]): Promise<Uint8Array> {
  const update = captureUpdate(doc, (d) => d.getText('title').insert(0, 'ok'))
  const reply = await request<OkReply>(socket, 'update', id, update)
  expect(reply).toEqual({ ok: true })
  await until(() => received.length > 0, [[observer, ['update']]], 'the observer to receive the sentinel')
  return update
}

function storedState(server: TestServer, name: string): string {
  const document = server.registry.get(name)
  if (!document) throw new Error(`${name} is not loaded`)
  return Buffer.from(Y.encodeStateAsUpdate(document.doc)).toString('base64')
}

/** A 17-byte update that claims 33 million structs. */
function updateClaimingMillionsOfStructs(): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1) // one client
  encoding.writeVarUint(encoder, 33_554_432) // structs claimed
  encoding.writeVarUint(encoder, 12345) // client id
  encoding.writeVarUint(encoder, 0) // clock
  encoding.writeUint8(encoder, 1) // one GC struct...
  encoding.writeVarUint(encoder, 1) // ...of length 1, and nothing after it
  return encoding.toUint8Array(encoder)
}

describe('input validation', () => {
  it('answers malformed joins with bad-request and keeps serving', async () => {
    const { server, id, tokens } = await setup()
    const socket = await rawSocket(server.url)
    const sv = Y.encodeStateVector(new Y.Doc())
    const cases: unknown[][] = [
      [42, tokens.editor, sv],
      ['../../etc/passwd', tokens.editor, sv],
      ['a'.repeat(65), tokens.editor, sv],
      [`${id}/other`, tokens.editor, sv],
      [id, 12, sv],
      [id, 'x'.repeat(10_000), sv],
      [id, tokens.editor, 'not binary'],
      [id, tokens.editor, [0, 0]],
      [id, tokens.editor, { length: 2 }],
      [id, tokens.editor, new Uint8Array([255, 255, 255, 255, 255, 255, 255, 255, 255, 255])],
      [id, tokens.editor],
      [],
    ]
    for (const args of cases) {
      const reply = await request<JoinReply>(socket, 'join', ...args)
      expect(reply, JSON.stringify(args).slice(0, 80)).toMatchObject({ ok: false, code: 'bad-request' })
    }
    expect((await join(socket, id, tokens.editor)).reply.ok).toBe(true)
  })

  it('answers malformed join options with bad-request, without joining or touching the doc', async () => {
    const { server, id, tokens, editor, doc, observer, received } = await setup()
    const socket = await rawSocket(server.url)
    const events: string[] = []
    socket.onAny((event: string) => events.push(event))
    const before = storedState(server, id)
    const sv = Y.encodeStateVector(new Y.Doc())
    const cases: unknown[] = [
      'v2',
      ['v2'],
      [{ updateFormat: 'v2' }],
      2,
      true,
      new Uint8Array([1]),
      { updateFormat: 'v3' },
      { updateFormat: 'V2' },
      { updateFormat: null },
      { updateFormat: ['v2'] },
    ]
    for (const options of cases) {
      const reply = await request<JoinReply>(socket, 'join', id, tokens.editor, sv, options)
      expect(reply, JSON.stringify(options)).toMatchObject({ ok: false, code: 'bad-request' })
    }
    // The socket never joined: it may not write, and it receives nothing from the room.
    const update = captureUpdate(new Y.Doc(), (d) => d.getText('title').insert(0, 'not joined'))
    expect(await request<OkReply>(socket, 'update', id, update)).toMatchObject({ ok: false, code: 'forbidden' })
    expect(storedState(server, id)).toBe(before)
    const sentinel = await sendSentinel(editor, id, doc, observer, received)
    expect(received).toHaveLength(1)
    expect(Buffer.from(received[0]!)).toEqual(Buffer.from(sentinel))
    // Relayed before this reply if it were in the room, so `events` is complete once it arrives.
    expect(await request<OkReply>(socket, 'leave', id)).toMatchObject({ ok: false, code: 'forbidden' })
    expect(events).toEqual([])
  })

  it('refuses unknown documents, wrong tokens and ids that differ only in case', async () => {
    const { server, id, tokens } = await setup()
    const socket = await rawSocket(server.url)
    expect((await join(socket, 'no-such-doc', tokens.editor)).reply).toMatchObject({ ok: false, code: 'not-found' })
    expect((await join(socket, id, 'wrong-token')).reply).toMatchObject({ ok: false, code: 'forbidden' })
    const otherCase = id === id.toUpperCase() ? id.toLowerCase() : id.toUpperCase()
    expect((await join(socket, otherCase, tokens.editor)).reply).toMatchObject({ ok: false, code: 'not-found' })
    expect(server.registry.get(otherCase)).toBeUndefined()
  })

  it('answers malformed updates with their code, stores nothing and relays nothing', async () => {
    const { server, id, editor, doc, observer, received } = await setup({ maxUpdateBytes: 4096 })
    const before = storedState(server, id)
    const expectations: Array<[unknown[], string]> = [
      [[id, 'text instead of binary'], 'bad-request'],
      [[id, [1, 2, 3]], 'bad-request'],
      [[id, { 0: 1 }], 'bad-request'],
      [[id, null], 'bad-request'],
      [[id], 'bad-request'],
      [[42, new Uint8Array([0, 0])], 'bad-request'],
      [['never-joined', new Uint8Array([0, 0])], 'forbidden'],
      [[id, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])], 'invalid-update'],
      [[id, new Uint8Array(0)], 'invalid-update'],
      [[id, updateClaimingMillionsOfStructs()], 'invalid-update'],
      [[id, new Uint8Array(8192)], 'too-large'],
    ]
    for (const [args, code] of expectations) {
      const started = performance.now()
      const reply = await request<OkReply>(editor, 'update', ...args)
      expect(reply, `${code}: ${String(args[1]).slice(0, 30)}`).toMatchObject({ ok: false, code })
      expect(performance.now() - started).toBeLessThan(1000)
    }
    expect(storedState(server, id)).toBe(before)
    const sentinel = await sendSentinel(editor, id, doc, observer, received)
    expect(received).toHaveLength(1)
    expect(Buffer.from(received[0]!)).toEqual(Buffer.from(sentinel))
  })

  it('refuses an update whose dependencies the server lacks, then accepts it once they arrive', async () => {
    const { server, id, editor, received } = await setup()
    const writer = new Y.Doc()
    const first = captureUpdate(writer, (d) => d.getText('title').insert(0, 'first'))
    const second = captureUpdate(writer, (d) => d.getText('title').insert(5, ' second'))
    const before = storedState(server, id)
    expect(await request<OkReply>(editor, 'update', id, second)).toMatchObject({ ok: false, code: 'invalid-update' })
    expect(storedState(server, id)).toBe(before)
    expect(received).toHaveLength(0)
    const store = server.registry.get(id)!.doc.store as unknown as { pendingStructs: unknown }
    expect(store.pendingStructs).toBeNull()

    // A deletion of content the server never saw is refused just the same.
    const deleter = new Y.Doc()
    Y.applyUpdate(deleter, first)
    const deletion = captureUpdate(deleter, (d) => d.getText('title').delete(0, 2))
    expect(await request<OkReply>(editor, 'update', id, deletion)).toMatchObject({ ok: false, code: 'invalid-update' })

    expect(await request<OkReply>(editor, 'update', id, first)).toEqual({ ok: true })
    expect(await request<OkReply>(editor, 'update', id, second)).toEqual({ ok: true })
    expect(server.registry.get(id)!.doc.getText('title').toString()).toBe('first second')
  })

  it('tolerates events without an ack, unknown events and extra arguments', async () => {
    const { server, id, editor, doc, observer, received } = await setup()
    editor.emit('update', id, new Uint8Array([9, 9, 9]))
    editor.emit('join', id)
    editor.emit('no-such-event', id, new Uint8Array([1]))
    editor.emit('awareness')
    editor.emit('leave', 42)
    const update = captureUpdate(doc, (d) => d.getText('title').insert(0, 'no ack'))
    editor.emit('update', id, update)
    await sendSentinel(editor, id, doc, observer, received)
    expect(server.registry.get(id)!.doc.getText('title').toString()).toBe('okno ack')
  })

  it('refuses every write of a viewer and relays none of it', async () => {
    const { server, id, tokens, received } = await setup()
    const viewer = await rawSocket(server.url)
    const { doc } = await join(viewer, id, tokens.viewer)
    const update = captureUpdate(doc, (d) => d.getText('title').insert(0, 'viewer was here'))
    expect(await request<OkReply>(viewer, 'update', id, update)).toMatchObject({ ok: false, code: 'forbidden' })
    expect(server.registry.get(id)!.doc.getText('title').toString()).toBe('')
    expect(received).toHaveLength(0)
  })

  it('lets a commenter write comments but not text, and only with an identity', async () => {
    const { server, id, tokens } = await setup()
    const anonymous = await rawSocket(server.url)
    const { doc: anonymousComments } = await join(anonymous, `${id}/comments`, tokens.commenter)
    const comment = captureUpdate(anonymousComments, (d) => d.getMap('threads').set('t1', new Y.Map()))
    expect(await request<OkReply>(anonymous, 'update', `${id}/comments`, comment)).toMatchObject({ ok: false, code: 'forbidden' })

    const secret = newIdentitySecret()
    const commenter = await rawSocket(server.url, { identity: secret })
    const { doc: text } = await join(commenter, id, tokens.commenter)
    const edit = captureUpdate(text, (d) => d.getText('title').insert(0, 'no'))
    expect(await request<OkReply>(commenter, 'update', id, edit)).toMatchObject({ ok: false, code: 'forbidden' })
    const { doc: comments } = await join(commenter, `${id}/comments`, tokens.commenter)
    const author = { id: authorIdFromSecret(secret), name: 'Cora', color: '#225588' }
    const anchor = { from: { tname: 'prosemirror' }, to: { tname: 'prosemirror' } }
    const thread = { anchor, quote: 'q', resolved: false, createdAt: Date.now(), author }
    const ok = captureUpdate(comments, (d) => addThread(d, 't1', thread, { id: 'm1', author, body: 'hello', createdAt: Date.now() }))
    expect(await request<OkReply>(commenter, 'update', `${id}/comments`, ok)).toEqual({ ok: true })
  })

  it('rate-limits a socket that sends too many events, without affecting others', async () => {
    const { server, id, tokens, doc } = await setup({ eventsPerSecond: 1, eventBurst: 3 })
    const flooder = await rawSocket(server.url)
    await join(flooder, id, tokens.editor)
    const replies: OkReply[] = []
    for (let i = 0; i < 6; i++) {
      const update = captureUpdate(doc, (d) => d.getText('title').insert(0, 'x'))
      replies.push(await request<OkReply>(flooder, 'update', id, update))
    }
    expect(replies.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toContain('rate-limited')
    const other = await rawSocket(server.url)
    expect((await join(other, id, tokens.editor)).reply.ok).toBe(true)
  })

  it('refuses WebSocket handshakes from origins that are not allowed', async () => {
    const server = await startTestServer({ allowedOrigins: ['https://allowed.example'] })
    await expect(rawSocket(server.url, { extraHeaders: { origin: 'https://evil.example' } })).rejects.toThrow()
    await expect(rawSocket(server.url, { transports: ['polling'], extraHeaders: { origin: 'https://evil.example' } })).rejects.toThrow()
    await expect(rawSocket(server.url, { extraHeaders: { origin: 'https://allowed.example' } })).resolves.toBeTruthy()
    await expect(rawSocket(server.url, { extraHeaders: { origin: server.url } })).resolves.toBeTruthy()
  })

  it('refuses a handshake identity that is not a bounded string', async () => {
    const server = await startTestServer()
    await expect(rawSocket(server.url, { identity: 'short' })).rejects.toThrow(/identity/)
    await expect(rawSocket(server.url, { identity: 'x'.repeat(300) })).rejects.toThrow(/identity/)
  })
})
