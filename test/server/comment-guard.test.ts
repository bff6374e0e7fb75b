import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  addMessage,
  addThread,
  deleteMessage,
  deleteThread,
  editMessage,
  setResolved,
  threadsOf,
  type CommentAuthor,
  type CommentMessage,
} from '../../shared/comments.ts'
import { authorIdFromSecret, newIdentitySecret } from '../../shared/identity.ts'
import type { OkReply, Role } from '../../shared/protocol.ts'
import { startTestServer } from '../helpers.ts'
import { captureUpdate, join, rawSocket, request, type RawSocket } from '../raw-socket.ts'

interface Person {
  socket: RawSocket
  doc: Y.Doc
  author: CommentAuthor
  /** Sends the change `change` makes to this person's copy; resolves with the server's reply. */
  send(change: (doc: Y.Doc) => void): Promise<OkReply>
}

/** A server, a document, and people who joined its comments doc with the given roles. */
async function setup(roles: Record<string, Role>) {
  const server = await startTestServer()
  const { id, tokens } = await server.createDocument()
  const name = `${id}/comments`
  const people: Record<string, Person> = {}
  for (const [who, role] of Object.entries(roles)) {
    const secret = newIdentitySecret()
    const socket = await rawSocket(server.url, { identity: secret })
    const { doc, reply } = await join(socket, name, tokens[role])
    expect(reply.ok).toBe(true)
    const author = { id: authorIdFromSecret(secret), name: who, color: '#336699' }
    const person: Person = {
      socket,
      doc,
      author,
      async send(change) {
        const reply = await request<OkReply>(socket, 'update', name, captureUpdate(person.doc, change))
        // Keep every copy current with what the server accepted, as the provider would.
        if (reply.ok) for (const other of Object.values(people)) if (other !== person) Y.applyUpdate(other.doc, Y.encodeStateAsUpdate(person.doc))
        return reply
      },
    }
    people[who] = person
  }
  const serverThreads = () => threadsOf(server.registry.get(name)!.doc).toJSON()
  return { people, serverThreads }
}

const anchor = { from: { type: null, tname: 'prosemirror', item: null, assoc: 0 }, to: { type: null, tname: 'prosemirror', item: null, assoc: 0 } }

function message(id: string, author: CommentAuthor, body = 'a remark'): CommentMessage {
  return { id, author, body, createdAt: 1_700_000_000_000 }
}

function openThread(person: Person, threadId = 't1') {
  return person.send((doc) =>
    addThread(doc, threadId, { anchor, quote: 'quoted', resolved: false, createdAt: 1_700_000_000_000, author: person.author }, message(`${threadId}-m1`, person.author)),
  )
}

describe('comment integrity', () => {
  it('accepts a thread and replies signed by their senders', async () => {
    const { people, serverThreads } = await setup({ ada: 'commenter', bob: 'commenter' })
    expect(await openThread(people.ada!)).toEqual({ ok: true })
    expect(await people.bob!.send((doc) => addMessage(doc, 't1', message('m2', people.bob!.author)))).toEqual({ ok: true })
    expect(serverThreads().t1.messages.map((m: CommentMessage) => m.author.name)).toEqual(['ada', 'bob'])
  })

  it('refuses a thread or a reply that claims another author', async () => {
    const { people, serverThreads } = await setup({ ada: 'commenter', mallory: 'commenter' })
    const forgedThread = await people.mallory!.send((doc) =>
      addThread(doc, 't1', { anchor, quote: 'q', resolved: false, createdAt: 1, author: people.ada!.author }, message('m1', people.ada!.author)),
    )
    expect(forgedThread).toMatchObject({ ok: false, code: 'forbidden' })
    expect(serverThreads()).toEqual({})
    people.mallory!.doc = new Y.Doc() // drop the refused change, as a client resyncing would
    expect(await openThread(people.ada!)).toEqual({ ok: true })
    Y.applyUpdate(people.mallory!.doc, Y.encodeStateAsUpdate(people.ada!.doc))
    const forgedReply = await people.mallory!.send((doc) => addMessage(doc, 't1', message('m2', { ...people.ada!.author, name: 'ada' })))
    expect(forgedReply).toMatchObject({ ok: false, code: 'forbidden' })
    expect(serverThreads().t1.messages).toHaveLength(1)
  })

  it('lets authors edit and delete their own messages, and nobody else’s', async () => {
    const { people, serverThreads } = await setup({ ada: 'commenter', mallory: 'commenter' })
    await openThread(people.ada!)
    expect(await people.mallory!.send((doc) => editMessage(doc, 't1', 't1-m1', 'rewritten by mallory'))).toMatchObject({ code: 'forbidden' })
    people.mallory!.doc = new Y.Doc()
    Y.applyUpdate(people.mallory!.doc, Y.encodeStateAsUpdate(people.ada!.doc))
    expect(await people.mallory!.send((doc) => deleteMessage(doc, 't1', 't1-m1'))).toMatchObject({ code: 'forbidden' })
    expect(serverThreads().t1.messages[0].body).toBe('a remark')

    expect(await people.ada!.send((doc) => editMessage(doc, 't1', 't1-m1', 'better wording'))).toEqual({ ok: true })
    expect(serverThreads().t1.messages[0]).toMatchObject({ body: 'better wording', editedAt: expect.any(Number) })
    expect(await people.ada!.send((doc) => deleteMessage(doc, 't1', 't1-m1'))).toEqual({ ok: true })
    expect(serverThreads().t1.messages).toEqual([])
  })

  it('lets any commenter resolve and reopen a thread, but not change its quote or anchor', async () => {
    const { people, serverThreads } = await setup({ ada: 'commenter', bob: 'commenter' })
    await openThread(people.ada!)
    expect(await people.bob!.send((doc) => setResolved(doc, 't1', true))).toEqual({ ok: true })
    expect(serverThreads().t1.resolved).toBe(true)
    expect(await people.bob!.send((doc) => setResolved(doc, 't1', false))).toEqual({ ok: true })
    expect(await people.bob!.send((doc) => threadsOf(doc).get('t1')!.set('quote', 'something else'))).toMatchObject({ code: 'forbidden' })
    expect(serverThreads().t1.quote).toBe('quoted')
  })

  it('lets an editor delete any thread, and a commenter only their own', async () => {
    const { people, serverThreads } = await setup({ ada: 'commenter', bob: 'commenter', ed: 'editor' })
    await openThread(people.ada!, 't1')
    await openThread(people.bob!, 't2')
    expect(await people.bob!.send((doc) => deleteThread(doc, 't1'))).toMatchObject({ code: 'forbidden' })
    people.bob!.doc = new Y.Doc()
    Y.applyUpdate(people.bob!.doc, Y.encodeStateAsUpdate(people.ed!.doc))
    expect(await people.bob!.send((doc) => deleteThread(doc, 't2'))).toEqual({ ok: true })
    expect(await people.ed!.send((doc) => deleteThread(doc, 't1'))).toEqual({ ok: true })
    expect(serverThreads()).toEqual({})
  })

  it('refuses writes outside the threads map and malformed threads', async () => {
    const { people, serverThreads } = await setup({ ada: 'commenter' })
    expect(await people.ada!.send((doc) => doc.getMap('elsewhere').set('x', 1))).toMatchObject({ code: 'forbidden' })
    people.ada!.doc = new Y.Doc()
    expect(await people.ada!.send((doc) => threadsOf(doc).set('t1', new Y.Map()))).toMatchObject({ code: 'forbidden' })
    people.ada!.doc = new Y.Doc()
    expect(await people.ada!.send((doc) => doc.getMap('threads').set('t1', 'just a string' as never))).toMatchObject({ code: 'forbidden' })
    expect(serverThreads()).toEqual({})
  })

  it('refuses every comment write of a viewer', async () => {
    const { people, serverThreads } = await setup({ vic: 'viewer' })
    expect(await openThread(people.vic!)).toMatchObject({ ok: false, code: 'forbidden' })
    expect(serverThreads()).toEqual({})
  })
})
