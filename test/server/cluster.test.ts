import { io } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ADMIN_NAMESPACE, type OkReply } from '../../shared/protocol.ts'
import { openPostgresStore } from '../../server/store/postgres-store.ts'
import { startChildServer, type ChildServer } from '../child-server.ts'
import { freshSchema, missingPrerequisite, startRedis, type TestRedis } from '../cluster-fixtures.ts'
import { connectClient, createDocument, fingerprint, nextEvent, tempDir, until, untilConverged } from '../helpers.ts'
import { captureUpdate, join, rawSocket, request } from '../raw-socket.ts'

const ADMIN_TOKEN = 'cluster-admin-token-0123456789'
const missing = await missingPrerequisite()
if (missing) {
  if (process.env.CI === 'true') throw new Error(`the multi-node suite cannot run: ${missing}`)
  console.warn(`Skipping the multi-node suite: ${missing}`)
}

/** Starts `count` server processes sharing one database schema and one Redis. */
async function startNodes(count: number, redis: TestRedis, databaseUrl: string): Promise<ChildServer[]> {
  // DATA_DIR is unused with a database; each node still gets its own, as it would in production.
  const env = { DATABASE_URL: databaseUrl, REDIS_URL: redis.url, ADMIN_TOKEN }
  return Promise.all(Array.from({ length: count }, async () => startChildServer(await tempDir(), { env, startLimitMs: 30_000 })))
}

/** A small seeded PRNG (mulberry32), so a failing run can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The content stored for a doc name, read straight from the database. */
async function storedDoc(schema: string, databaseUrl: string, name: string): Promise<Y.Doc> {
  const store = await openPostgresStore({ connectionString: databaseUrl, schema })
  try {
    const { updates } = await store.loadContent(name)
    const doc = new Y.Doc()
    for (const update of updates) Y.applyUpdate(doc, update)
    return doc
  } finally {
    await store.close()
  }
}

describe.skipIf(missing !== null)('several nodes on Redis and PostgreSQL', () => {
  it('keeps clients spread over three nodes in sync, with presence, and the database holds everything', async () => {
    const redis = await startRedis()
    const { schema, url: databaseUrl } = await freshSchema()
    const nodes = await startNodes(3, redis, databaseUrl)
    const { id, tokens } = await createDocument(nodes[0]!.url)
    const clients = nodes.flatMap((node) => [0, 1].map(() => connectClient(node.url, id, tokens.editor)))
    await Promise.all(clients.map((c) => c.whenSynced()))

    const seed = Number(process.env.SEED ?? Date.now() % 100_000)
    const next = random(seed)
    for (let step = 0; step < 200; step++) {
      const client = clients[Math.floor(next() * clients.length)]!
      const text = client.doc.getText('text')
      if (text.length > 0 && next() < 0.3) text.delete(Math.floor(next() * text.length), 1)
      else text.insert(Math.floor(next() * (text.length + 1)), String.fromCharCode(97 + Math.floor(next() * 26)))
      if (step % 50 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    await untilConverged(clients.map((c) => c.doc), 20_000).catch((error: Error) => {
      throw new Error(`${error.message} (seed=${seed})`)
    })
    await Promise.all(clients.map((c) => c.whenSaved()))
    const stored = await storedDoc(schema, databaseUrl, id)
    expect(fingerprint(stored), `seed=${seed}`).toBe(fingerprint(clients[0]!.doc))

    // Presence crosses nodes, and a joiner on a third node sees both.
    clients[0]!.awareness!.setLocalStateField('user', { name: 'On node 0', color: '#aa0000' })
    clients[2]!.awareness!.setLocalStateField('user', { name: 'On node 1', color: '#00aa00' })
    const watcher = clients[4]!.awareness!
    const seesBoth = (states: Map<number, { user?: { name?: string } }>) =>
      [...states.values()].filter((s) => s.user?.name?.startsWith('On node')).length === 2
    await until(() => seesBoth(watcher.getStates()), [[watcher, ['change']]], 'presence from the other nodes')
    const joiner = connectClient(nodes[2]!.url, id, tokens.viewer)
    await until(() => seesBoth(joiner.awareness!.getStates()), [[joiner.awareness!, ['change']]], 'presence for a joiner')
  })

  it('loses nothing acknowledged when a node is killed under load, and its clients carry on elsewhere', async () => {
    const redis = await startRedis()
    const { url: databaseUrl } = await freshSchema()
    const [doomed, survivor] = await startNodes(2, redis, databaseUrl)
    const { id, tokens } = await createDocument(doomed!.url)
    const socket = await rawSocket(doomed!.url)
    const { doc } = await join(socket, id, tokens.editor)
    // A provider on the doomed node with edits of its own, acknowledged or not.
    const typist = connectClient(doomed!.url, id, tokens.editor)
    await typist.whenSynced()
    typist.doc.getText('title').insert(0, 'typed on the doomed node')
    // Ten writers' worth of updates in flight at a time; the node dies once 100 were acknowledged.
    const acked: number[] = []
    let sent = 0
    let alive = true
    socket.once('disconnect', () => (alive = false))
    const writer = async () => {
      while (alive) {
        const update = captureUpdate(doc, (d) => d.getText('text').insert(d.getText('text').length, 'x'))
        const clock = Y.getState(doc.store, doc.clientID)
        sent++
        const reply = await request<OkReply>(socket, 'update', id, update).catch(() => null)
        if (reply?.ok) acked.push(clock)
        if (acked.length === 100) void doomed!.kill('SIGKILL')
      }
    }
    await Promise.all(Array.from({ length: 10 }, writer))
    expect(acked.length).toBeGreaterThan(0)

    const reader = connectClient(survivor!.url, id, tokens.viewer)
    await reader.whenSynced()
    const highestAcked = Math.max(...acked)
    expect(Y.getState(reader.doc.store, doc.clientID)).toBeGreaterThanOrEqual(highestAcked)

    // The typist's browser reconnects elsewhere (a load balancer would send it to the survivor).
    typist.destroy()
    const moved = connectClient(survivor!.url, id, tokens.editor, { doc: typist.doc })
    await moved.whenSynced()
    await moved.whenSaved()
    await untilConverged([moved.doc, reader.doc])
    expect(reader.doc.getText('title').toString()).toBe('typed on the doomed node')
    console.log(`node killed: ${sent} sent, ${acked.length} acknowledged, 0 of them lost`)
  })

  it('converges every client after Redis goes away and comes back, without a reload', async () => {
    const redis = await startRedis()
    const { url: databaseUrl } = await freshSchema()
    const [a, b] = await startNodes(2, redis, databaseUrl)
    const { id, tokens } = await createDocument(a!.url)
    const onA = connectClient(a!.url, id, tokens.editor)
    const onB = connectClient(b!.url, id, tokens.editor)
    await Promise.all([onA.whenSynced(), onB.whenSynced()])
    onA.doc.getText('text').insert(0, 'before ')
    await untilConverged([onA.doc, onB.doc])

    await redis.stop()
    onA.doc.getText('text').insert(0, 'A during the outage. ')
    onB.doc.getText('text').insert(0, 'B during the outage. ')
    // Acks still come, from the database.
    await Promise.all([onA.whenSaved(), onB.whenSaved()])
    await redis.start()
    await untilConverged([onA.doc, onB.doc], 20_000).catch((error: Error) => {
      // What each node logged (its Redis outage and resync) tells why a run did not converge.
      const texts = [onA, onB].map((c) => JSON.stringify(c.doc.getText('text').toString())).join(' vs ')
      throw new Error(`${error.message}: ${texts}\nnode A logged:\n${a!.stderr()}\nnode B logged:\n${b!.stderr()}`)
    })
    expect(onA.doc.getText('text').toString()).toContain('A during the outage.')
    expect(onA.doc.getText('text').toString()).toContain('B during the outage.')
  })

  it('revokes on every node when a link is rotated on one', async () => {
    const redis = await startRedis()
    const { url: databaseUrl } = await freshSchema()
    const [a, , c] = await startNodes(3, redis, databaseUrl)
    const { id, tokens } = await createDocument(a!.url)
    const onC = connectClient(c!.url, id, tokens.editor)
    await onC.whenSynced()
    const revoked = nextEvent(onC, 'revoked')
    const response = await fetch(`${a!.url}/api/docs/${id}/links/editor/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.owner}` },
    })
    expect(response.status).toBe(200)
    await revoked
    expect(onC.status).toBe('disconnected')
  })

  it('counts what happened on a node in /metrics', async () => {
    const redis = await startRedis()
    const { url: databaseUrl } = await freshSchema()
    const [node] = await startNodes(1, redis, databaseUrl)
    const { id, tokens } = await createDocument(node!.url)
    const client = connectClient(node!.url, id, tokens.editor)
    await client.whenSynced()
    client.doc.getText('text').insert(0, 'counted')
    await client.whenSaved()
    const text = await (await fetch(`${node!.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text()
    expect(text).toMatch(/^collab_joins_total 1$/m)
    expect(text).toMatch(/^collab_updates_received_total [1-9]/m)
    expect(text).toMatch(/^collab_loaded_documents 1$/m)
  })

  it('shows the admin view every node’s figures added up', async () => {
    const redis = await startRedis()
    const { url: databaseUrl } = await freshSchema()
    const [a, b] = await startNodes(2, redis, databaseUrl)
    const { id, tokens } = await createDocument(a!.url)
    const clients = [connectClient(a!.url, id, tokens.editor), connectClient(b!.url, id, tokens.editor), connectClient(b!.url, id, tokens.viewer)]
    await Promise.all(clients.map((c) => c.whenSynced()))
    // Its own connection: the clients' Manager for this URL does not connect by itself.
    const admin = io(a!.url + ADMIN_NAMESPACE, { auth: { token: ADMIN_TOKEN }, transports: ['websocket'], reconnection: false, forceNew: true })
    try {
      // The first event may predate the last join; wait for one that has them all.
      const [figures] = await nextEvent<[Record<string, number>]>(admin, 'metrics', (f) => (f.collab_joins_total ?? 0) >= 3)
      expect(figures).toMatchObject({ collab_nodes: 2, collab_connected_sockets: 3, collab_joins_total: 3, collab_loaded_documents: 2 })
    } finally {
      admin.disconnect()
    }
  })
})
