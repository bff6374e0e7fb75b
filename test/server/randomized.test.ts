import * as prng from 'lib0/prng'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { OkReply } from '../../shared/protocol.ts'
import type { CollabProvider } from '../../shared/provider.ts'
import { connectClient, fingerprint, startTestServer, until, untilConverged } from '../helpers.ts'

/**
 * Yjs-style randomized testing through the real server: several providers on one document,
 * random edits (text, formatting, paragraphs) interleaved with random disconnects, reconnects
 * and dropped transports, then every replica and the stored state must be identical.
 * `SEED=7`, `SEED=7,9` or `SEED=100-199` reruns seeds, `STEPS=400` makes runs longer. A seed fixes
 * the choices, not the network's timing, so a failing seed fails often rather than every time.
 */
const SEEDS = parseSeeds(process.env.SEED) ?? [1, 2, 3, 4]
const STEPS = Number(process.env.STEPS ?? 200)
const CLIENTS = 5
/** Clients from this index on use HTTP long-polling only. */
const FIRST_POLLING_CLIENT = 3

function parseSeeds(value: string | undefined): number[] | null {
  if (!value) return null
  const range = /^(\d+)-(\d+)$/.exec(value)
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i)
  return value.split(',').map(Number)
}

type Gen = prng.PRNG

interface Tally {
  edits: number
  disconnects: number
  reconnects: number
  drops: number
  settles: number
  /** Steps where several clients edited at the very same moment. */
  bursts: number
  /** Changes replicas made by themselves (Yjs's formatting cleanup), which they must send too. */
  clientCleanups: number
  /** Times the server's doc was put to sleep (odd seeds). */
  sleeps: number
  /** Refusals the providers received, by code (they retry after them). */
  refusals: Record<string, number>
  /** Changes the server's doc made by itself: Yjs's formatting cleanup after a remote update. */
  serverCleanups: number
}

/** A random index into a sequence of `length` items (insert positions included). */
const position = (gen: Gen, length: number) => prng.int32(gen, 0, length)

/** A random non-empty range inside a sequence of `length` items, or null when it is empty. */
function range(gen: Gen, length: number): { index: number; length: number } | null {
  if (length === 0) return null
  const index = prng.int32(gen, 0, length - 1)
  return { index, length: prng.int32(gen, 1, Math.min(4, length - index)) }
}

const boldOrNot = (gen: Gen) => ({ bold: prng.bool(gen) ? true : null })

function editText(gen: Gen, text: Y.Text): void {
  const choice = prng.int32(gen, 0, 9)
  if (choice < 5) {
    const attributes = prng.int32(gen, 0, 3) === 0 ? { bold: true } : undefined
    text.insert(position(gen, text.length), prng.word(gen, 1, 6), attributes)
    return
  }
  const target = range(gen, text.length)
  if (!target) return
  // Formatting is what makes remote replicas run Yjs's cleanup, which changes them on their own.
  if (choice < 8) text.format(target.index, target.length, boldOrNot(gen))
  else text.delete(target.index, target.length)
}

function editParagraphs(gen: Gen, doc: Y.Doc): void {
  const fragment = doc.getXmlFragment('prosemirror')
  const choice = prng.int32(gen, 0, 9)
  if (choice < 4 || fragment.length === 0) {
    const paragraph = new Y.XmlElement('paragraph')
    paragraph.insert(0, [new Y.XmlText(prng.word(gen, 0, 8))])
    fragment.insert(position(gen, fragment.length), [paragraph])
  } else if (choice < 6) {
    fragment.delete(prng.int32(gen, 0, fragment.length - 1), 1)
  } else {
    const paragraph = fragment.get(prng.int32(gen, 0, fragment.length - 1))
    const text = paragraph instanceof Y.XmlElement ? paragraph.get(0) : null
    if (text instanceof Y.XmlText) editText(gen, text)
  }
}

/** Lets the network move on for a random while: a few turns of the event loop. */
async function ticks(gen: Gen): Promise<void> {
  for (let i = prng.int32(gen, 0, 4); i > 0; i--) await new Promise((resolve) => setImmediate(resolve))
}

/** The origin of the test's own edits: any other local change is one Yjs made by itself. */
const TYPING = 'typing'

/** One random edit: the text, the paragraphs or the title. */
function edit(gen: Gen, doc: Y.Doc): void {
  const choice = prng.int32(gen, 0, 9)
  doc.transact(() => {
    if (choice < 5) editText(gen, doc.getText('text'))
    else if (choice < 9) editParagraphs(gen, doc)
    else doc.getText('title').insert(0, prng.letter(gen))
  }, TYPING)
}

/** Formats a few characters near `index` of the text (paragraph -1) or of that paragraph. */
function formatAround(gen: Gen, doc: Y.Doc, paragraph: number, index: number): void {
  const element = paragraph < 0 ? null : doc.getXmlFragment('prosemirror').get(paragraph)
  const text = paragraph < 0 ? doc.getText('text') : element instanceof Y.XmlElement ? element.get(0) : null
  if (!(text instanceof Y.Text) || text.length === 0) return
  const start = Math.min(text.length - 1, Math.max(0, index + prng.int32(gen, -2, 2)))
  doc.transact(() => text.format(start, prng.int32(gen, 1, Math.min(5, text.length - start)), boldOrNot(gen)), TYPING)
}

/** One random step by one random client, or by several at once. */
async function step(gen: Gen, clients: CollabProvider[], tally: Tally): Promise<void> {
  const client = prng.oneOf(gen, clients)
  const socket = client.connection.socket
  const choice = prng.int32(gen, 0, 99)
  if (choice < 70) {
    edit(gen, client.doc)
    tally.edits++
  } else if (choice < 80) {
    // Several clients edit at the very same moment, half the time formatting around one spot.
    const storm = prng.bool(gen) ? { paragraph: prng.int32(gen, -1, 3), index: prng.int32(gen, 0, 10) } : null
    for (const other of clients) {
      if (prng.bool(gen)) continue
      if (storm) formatAround(gen, other.doc, storm.paragraph, storm.index)
      else edit(gen, other.doc)
      tally.edits++
    }
    tally.bursts++
  } else if (choice < 85) {
    if (socket.connected) {
      socket.disconnect()
      tally.disconnects++
    }
  } else if (choice < 92) {
    if (!socket.active) {
      socket.connect()
      tally.reconnects++
    }
  } else if (choice < 96) {
    // An abrupt drop, as a lost network would cause; Socket.IO reconnects by itself.
    if (socket.connected) {
      socket.io.engine.close()
      tally.drops++
    }
  } else {
    // Sometimes let every connected client catch up before going on.
    await Promise.all(clients.filter((c) => c.connection.connected).map((c) => c.whenSaved()))
    tally.settles++
  }
}

/** State vector and delete set of a doc, readable. */
function clocks(doc: Y.Doc): string {
  const stateVector = [...Y.decodeStateVector(Y.encodeStateVector(doc))].map(([client, clock]) => `${client}:${clock}`)
  const { ds } = Y.decodeUpdate(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc)))
  const deleted = [...ds.clients].map(([client, ranges]) => `${client}:${ranges.map((r) => `${r.clock}+${r.len}`).join(',')}`)
  return `state vector ${stateVector.join(' ')}; deleted ${deleted.join(' ')}`
}

/** Which replicas differ from the first one, and how. */
function explainDivergence(replicas: Array<[string, Y.Doc]>): string {
  const [[referenceName, reference]] = replicas as [[string, Y.Doc]]
  const lines = [`${referenceName}: ${clocks(reference)}`]
  for (const [name, doc] of replicas.slice(1)) {
    if (fingerprint(doc) === fingerprint(reference)) continue
    const content = doc.getText('text').toString() === reference.getText('text').toString() ? 'same text' : 'different text'
    lines.push(`${name} differs (${content}): ${clocks(doc)}`)
  }
  return lines.join('\n')
}

async function runSeed(seed: number): Promise<void> {
  const started = performance.now()
  const gen = prng.create(seed)
  const server = await startTestServer()
  const { id, tokens } = await server.createDocument()
  const clients = Array.from({ length: CLIENTS }, (_, i) =>
    connectClient(server.url, id, tokens.editor, {
      socketOptions: {
        // Short reconnection delays keep the run quick; the order of events stays random.
        reconnectionDelay: 10,
        reconnectionDelayMax: 50,
        ...(i >= FIRST_POLLING_CLIENT ? { transports: ['polling' as const] } : {}),
      },
    }),
  )
  await Promise.all(clients.map((c) => c.whenSynced()))
  const tally: Tally = { edits: 0, disconnects: 0, reconnects: 0, drops: 0, settles: 0, serverCleanups: 0, bursts: 0, clientCleanups: 0, sleeps: 0, refusals: {} }
  for (const client of clients) {
    client.on('error', ({ code }) => (tally.refusals[code] = (tally.refusals[code] ?? 0) + 1))
    client.doc.on('update', (_: Uint8Array, origin: unknown) => origin !== TYPING && origin !== client && tally.clientCleanups++)
  }
  const countCleanups = (_: Uint8Array, origin: unknown) => origin == null && tally.serverCleanups++
  server.registry.get(id)?.doc.on('update', countCleanups)
  server.registry.on('loaded', (name) => server.registry.get(name)?.doc.on('update', countCleanups))

  // Odd seeds put the server's doc to sleep at random moments, so it sleeps and wakes throughout.
  const sleepy = seed % 2 === 1
  for (let i = 0; i < STEPS; i++) {
    await step(gen, clients, tally)
    if (sleepy && prng.int32(gen, 0, 9) === 0 && server.registry.get(id)?.sleepIfQuiet(0)) tally.sleeps++
    await ticks(gen)
  }

  for (const client of clients) if (!client.connection.socket.active) client.connection.socket.connect()
  const everyone = clients.map((c): [CollabProvider, string[]] => [c, ['synced', 'unsaved']])
  const replicas = (): Array<[string, Y.Doc]> => [
    ['the server', server.registry.get(id)!.doc],
    ...clients.map((c, i): [string, Y.Doc] => [`client ${i} (${c.doc.clientID}, ${c.status}, ${c.unsavedUpdates} unsaved)`, c.doc]),
  ]
  await until(() => clients.every((c) => c.synced && c.unsavedUpdates === 0), everyone, 'every client to be synced and saved', 20_000)
  await untilConverged(replicas().map(([, doc]) => doc), 10_000).catch((error: Error) => {
    throw new Error(`${error.message}, though every client says it is synced and saved:\n${explainDivergence(replicas())}`)
  })
  // Honest clients never send what the server cannot integrate; each refusal costs a rejoin.
  expect(tally.refusals['invalid-update'] ?? 0, 'invalid-update refusals of honest clients').toBe(0)
  // Converging may have made replicas clean up formatting; that is sent and saved too.
  await until(() => clients.every((c) => c.unsavedUpdates === 0), everyone, 'the cleanups to be saved', 20_000)
  const expected = fingerprint(clients[0]!.doc)

  // What the server stored is what everyone has.
  for (const client of clients) client.destroy()
  await server.close()
  const again = await startTestServer({}, server.dataDir)
  const fresh = connectClient(again.url, id, tokens.viewer)
  await fresh.whenSynced()
  expect(fingerprint(fresh.doc), explainDivergence([['the clients', clients[0]!.doc], ['the stored document', fresh.doc]])).toBe(expected)

  const paragraphs = fresh.doc.getXmlFragment('prosemirror').length
  const text = fresh.doc.getText('text').length
  console.log(
    `randomized: seed ${seed}, ${STEPS} steps: ${tally.edits} edits, ${tally.disconnects} disconnects, ` +
      `${tally.reconnects} reconnects, ${tally.drops} drops, ${tally.settles} settles, ${tally.bursts} bursts, ` +
      `cleanups by clients ${tally.clientCleanups} and by the server ${tally.serverCleanups}, ${tally.sleeps} sleeps, refusals ${JSON.stringify(tally.refusals)}; ` +
      `${paragraphs} paragraphs, ${text} characters; ${Math.round(performance.now() - started)} ms`,
  )
}

describe('random edits, disconnects and drops', () => {
  it.each(SEEDS)('make every replica and the stored document identical (seed %i)', async (seed) => {
    try {
      await runSeed(seed)
    } catch (error) {
      if (error instanceof Error) error.message = `seed=${seed}: ${error.message}`
      throw error
    }
  })
})

describe('what the randomized runs found', () => {
  it('sends the changes Yjs makes by itself while a rejoining client applies the server state (SEED=211 STEPS=300)', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    // Fixed client IDs: the order of concurrent inserts at one position depends on them.
    const withClientID = (clientID: number) => Object.assign(new Y.Doc(), { clientID })
    const a = connectClient(server.url, id, tokens.editor, { doc: withClientID(1) })
    const b = connectClient(server.url, id, tokens.editor, { doc: withClientID(2) })
    await Promise.all([a.whenSynced(), b.whenSynced()])
    const text = a.doc.getText('text')
    text.insert(0, 'abcdef')
    text.format(1, 1, { bold: true })
    text.delete(2, 2)
    await a.whenSaved()
    await until(() => b.doc.getText('text').length === 4, [[b.doc, ['update']]], 'B to receive the text')

    a.connection.socket.disconnect()
    text.format(0, 3, { bold: true })
    b.doc.getText('text').insert(0, 's', { bold: true })
    await b.whenSaved()
    // B leaves: receiving A's resync, it would make the same cleanup and send it for A.
    b.destroy()
    let cleanups = 0
    a.doc.on('update', (_: Uint8Array, origin: unknown) => origin === null && cleanups++)
    a.connection.socket.connect()
    await until(() => a.synced && a.unsavedUpdates === 0, [[a, ['synced', 'unsaved']]], 'A to resync')
    expect(cleanups, 'applying the join reply made Yjs clean up formatting in A').toBeGreaterThan(0)
    a.doc.getText('title').insert(0, 'x')
    await a.whenSaved()

    const stored = server.registry.get(id)!.doc
    expect(fingerprint(stored), explainDivergence([['A', a.doc], ['the server', stored]])).toBe(fingerprint(a.doc))
  })

  it('accepts typing into an empty line that another client deleted meanwhile', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const a = connectClient(server.url, id, tokens.editor)
    const b = connectClient(server.url, id, tokens.editor)
    await Promise.all([a.whenSynced(), b.whenSynced()])
    const line = new Y.XmlElement('paragraph')
    a.doc.getXmlFragment('prosemirror').insert(0, [line])
    await a.whenSaved()
    await until(() => b.doc.getXmlFragment('prosemirror').length === 1, [[b.doc, ['update']]], 'B to receive the line')

    a.connection.socket.disconnect()
    line.insert(0, [new Y.XmlText('typed')])
    b.doc.getXmlFragment('prosemirror').delete(0, 1)
    await b.whenSaved()
    const refusals: string[] = []
    a.on('error', ({ code, message }) => refusals.push(`${code}: ${message}`))
    a.connection.socket.connect()
    await until(() => a.synced && a.unsavedUpdates === 0, [[a, ['synced', 'unsaved']]], 'A to resync')
    // Yjs integrates A's text completely (as collected content); nothing is left to refuse.
    expect(refusals).toEqual([])
    await untilConverged([a.doc, b.doc])
  })

  it('accepts an update it already holds again, even once the paragraph it names was deleted', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const a = connectClient(server.url, id, tokens.editor)
    const b = connectClient(server.url, id, tokens.editor)
    await Promise.all([a.whenSynced(), b.whenSynced()])
    let created: Uint8Array | null = null
    a.doc.once('update', (update: Uint8Array) => (created = update))
    a.doc.transact(() => {
      const paragraph = new Y.XmlElement('paragraph')
      a.doc.getXmlFragment('prosemirror').insert(0, [paragraph])
      paragraph.insert(0, [new Y.XmlText('first')])
    })
    await a.whenSaved()
    await until(() => b.doc.getXmlFragment('prosemirror').length === 1, [[b.doc, ['update']]], 'B to receive the paragraph')
    b.doc.getXmlFragment('prosemirror').delete(0, 1)
    await b.whenSaved()
    // A client resends what the server has whenever its join raced a broadcast; Yjs ignores it.
    const reply = await new Promise<OkReply>((resolve) => a.connection.socket.emit('update', id, created!, resolve))
    expect(reply).toEqual({ ok: true })
  })
})
