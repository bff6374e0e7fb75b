import { randomBytes } from 'node:crypto'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import pg from 'pg'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it, onTestFailed, onTestFinished } from 'vitest'
import * as Y from 'yjs'
import { openPostgresStore } from '../../../server/store/postgres-store.ts'
import type { PostgresStore, PostgresStoreOptions } from '../../../server/store/postgres-store.ts'
import { describeStoreContract, rebuild, unique } from './store-contract.ts'

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const silent = pino({ level: 'silent' })

/** Why the database cannot be used, or undefined when it can. */
async function databaseProblem(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 })
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (error) {
    return (error as Error).message
  } finally {
    await client.end().catch(() => undefined)
  }
}

const problem = await databaseProblem()
if (problem !== undefined) {
  const shown = new URL(DATABASE_URL)
  shown.password = ''
  if (process.env.CI === 'true') throw new Error(`PostgreSQL at ${shown} is required under CI: ${problem}`)
  console.log(`skipping the PostgreSQL store tests: cannot reach ${shown} (${problem})`)
}

describe.skipIf(problem !== undefined)('openPostgresStore', () => {
  // Each test file gets a schema of its own, so files running in parallel never collide.
  const schema = `collab_test_${randomBytes(6).toString('hex')}`
  let admin: pg.Pool

  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: DATABASE_URL })
    admin.on('error', () => undefined)
    await admin.query(`CREATE SCHEMA ${schema}`)
  })

  afterAll(async () => {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`)
    await admin.end()
  })

  async function open(options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
    const store = await openPostgresStore({ connectionString: DATABASE_URL, schema, logger: silent, ...options })
    onTestFinished(() => store.close())
    return store
  }

  async function countRows(table: 'updates' | 'snapshots', docName: string): Promise<number> {
    const { rows } = await admin.query<{ count: string }>(
      `SELECT count(*) FROM ${schema}.${table} WHERE doc_name = $1`,
      [docName],
    )
    return Number(rows[0]!.count)
  }

  describeStoreContract('openPostgresStore', () => open())

  it('creates its tables once when several nodes start together', async () => {
    await Promise.all([open(), open(), open()])
    const { rows } = await admin.query(`SELECT version FROM ${schema}.schema_migrations`)
    expect(rows).toEqual([{ version: 1 }])
  })

  it('sends the appends made in one tick, across doc names, as one INSERT, keeping each name in call order', async () => {
    const store = await open()
    const names = [unique('x'), unique('y'), unique('z')]
    const before = store.appendBatches
    const appends = Array.from({ length: 100 }, (_, index) =>
      store.appendUpdate(names[index % 3]!, new Uint8Array([index])),
    )
    await Promise.all(appends)
    expect(store.appendBatches - before).toBe(1)
    for (const [offset, name] of names.entries()) {
      const expected = Array.from({ length: 100 }, (_, index) => index).filter((index) => index % 3 === offset)
      expect((await store.loadContent(name)).updates.map((update) => update[0])).toEqual(expected)
    }
  })

  it('queues the appends made, tick after tick, while an INSERT is in flight and sends them together next', async () => {
    const store = await open()
    const name = unique('doc')
    // Holding a lock that INSERT waits for keeps the first batch in flight until the test commits.
    const blocker = await admin.connect()
    onTestFinished(() => blocker.release(true))
    await blocker.query('BEGIN')
    await blocker.query(`LOCK TABLE ${schema}.updates IN SHARE MODE`)
    const before = store.appendBatches
    const appends = [store.appendUpdate(name, new Uint8Array([0]))]
    for (let index = 1; index <= 50; index++) {
      await new Promise((resolve) => setImmediate(resolve))
      appends.push(store.appendUpdate(name, new Uint8Array([index])))
    }
    await blocker.query('COMMIT')
    await Promise.all(appends)
    expect(store.appendBatches - before).toBe(2)
    expect((await store.loadContent(name)).updates.map((update) => update[0])).toEqual(
      Array.from({ length: 51 }, (_, index) => index),
    )
  })

  it('stores what an update held when append was called, even if the caller reuses the buffer', async () => {
    const store = await open()
    const docName = unique('doc')
    const buffer = new Uint8Array([1, 2, 3])
    const appended = store.appendUpdate(docName, buffer)
    buffer.fill(9)
    await appended
    expect((await store.loadContent(docName)).updates.map((update) => [...update])).toEqual([[1, 2, 3]])
  })

  it('loads only once the appends made before it are stored, so the loaded doc contains them', async () => {
    const store = await open()
    const name = unique('doc')
    const appended = store.appendUpdate(name, new Uint8Array([1]))
    expect((await store.loadContent(name)).updates.map((update) => update[0])).toEqual([1])
    await appended
  })

  it('passes doc names to queries as data', async () => {
    const store = await open()
    const names = [`x'); DROP TABLE ${schema}.updates; --`, 'ünïcödé 文档', 'a/comments', '%_', '\\']
    for (const [index, name] of names.entries()) await store.appendUpdate(name, new Uint8Array([index]))
    for (const [index, name] of names.entries()) {
      expect((await store.loadContent(name)).updates.map((update) => [...update])).toEqual([[index]])
    }
  })

  it('refuses a doc name PostgreSQL cannot store without failing the appends it would share an INSERT with', async () => {
    const store = await open()
    const name = unique('doc')
    const appends = [store.appendUpdate('a\0b', new Uint8Array([1])), store.appendUpdate(name, new Uint8Array([2]))]
    await expect(appends[0]).rejects.toThrow(RangeError)
    await appends[1]
    await expect(store.loadContent('\uD800')).rejects.toThrow(RangeError)
    expect((await store.loadContent('\uD83D\uDCDD')).updates).toEqual([])
  })

  // CollabDocument stores every change its doc makes, so whether a node stores the updates it
  // receives from other nodes depends on how they reach it: both must be safe.
  it.each([
    ['do not store the updates they receive from each other', false],
    ['store again the updates they receive from each other', true],
  ])('loses nothing when two nodes that %s append to one doc and compact with docs lacking each other’s updates', async (_, storesRelayed) => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000)
    onTestFailed(() => console.log(`two-node compaction test failed with SEED=${seed}`))
    const random = mulberry32(seed)
    const name = unique('shared')
    const nodes = await Promise.all([open(), open()].map(async (opened) => new Node(await opened, name, storesRelayed)))
    const [a, b] = nodes as [Node, Node]
    for (const node of nodes) await node.load()

    // Each snapshot lacks the other node's update. The node whose update has the higher seq compacts
    // first: deleting every row up to that seq would drop a's update, and a snapshot replacing the
    // previous one would drop b's.
    a.edit(random)
    await a.settled()
    b.edit(random)
    await b.settled()
    await b.compact()
    await a.compact()
    // Any node may die now: what the database holds must contain every acknowledged update. Checked
    // once both nodes are idle, when every update they exchanged is acknowledged: until then a
    // deletion may be stored before the insertion it deletes, which the other node stores a moment later.
    const reader = await open()
    const expectStored = async () => {
      await Promise.all([a.settled(), b.settled()])
      const acknowledged = [...a.acknowledged, ...b.acknowledged]
      const stored = rebuild((await reader.loadContent(name)).updates)
      const storedState = Y.snapshot(stored)
      expect(acknowledged.filter((update) => !Y.snapshotContainsUpdate(storedState, update))).toEqual([])
      return { stored, acknowledged }
    }
    await expectStored()

    for (let step = 1; step <= 200; step++) {
      const node = nodes[Math.floor(random() * 2)]!
      const other = node === a ? b : a
      const action = random()
      if (action < 0.6) node.edit(random)
      else if (action < 0.8) other.receive(node, random)
      else node.compact().catch(() => undefined)
      if (random() < 0.3) await new Promise((resolve) => setImmediate(resolve))
      if (step % 25 === 0) await expectStored()
    }
    const { stored, acknowledged } = await expectStored()
    expect(acknowledged.length).toBeGreaterThan(100)
    expect(Y.equalSnapshots(Y.snapshot(stored), Y.snapshot(rebuild(acknowledged)))).toBe(true)

    // A node that loaded everything knows every row, so its compaction leaves one snapshot.
    await reader.compact(name, Y.encodeStateAsUpdate(stored))
    expect([await countRows('snapshots', name), await countRows('updates', name)]).toEqual([1, 0])
  })

  it('rejects every operation while the database is unreachable, and recovers when it returns', async () => {
    const proxy = await startProxy(new URL(DATABASE_URL))
    let poolErrorLogged!: () => void
    const logged = new Promise<void>((resolve) => (poolErrorLogged = resolve))
    const logger = pino({ level: 'error' }, { write: (line: string) => line.includes('connection failed') && poolErrorLogged() })
    const store = await open({ connectionString: proxy.url, logger })
    const name = unique('doc')
    await store.appendUpdate(name, new Uint8Array([1]))

    // The idle connection drops: the pool reports it, and the process goes on.
    await proxy.stop()
    await logged
    const failed = await Promise.allSettled([
      store.appendUpdate(name, new Uint8Array([2])),
      store.appendUpdate(name, new Uint8Array([3])),
      store.compact(name, new Uint8Array([9])),
      store.checkWritable(),
      store.loadContent(name),
      store.getDocument(name),
    ])
    expect(failed.map((result) => result.status)).toEqual(Array(6).fill('rejected'))

    await proxy.start()
    await store.appendUpdate(name, new Uint8Array([4]))
    await store.checkWritable()
    expect((await store.loadContent(name)).updates.map((update) => [...update])).toEqual([[1], [4]])
  })

  it('turns a database that stops answering into rejections after the query timeout', async () => {
    const proxy = await startProxy(new URL(DATABASE_URL))
    const store = await open({ connectionString: proxy.url, queryTimeoutMs: 300 })
    const name = unique('doc')
    await store.appendUpdate(name, new Uint8Array([1]))

    proxy.hang(true)
    const started = Date.now()
    await expect(store.appendUpdate(name, new Uint8Array([2]))).rejects.toThrow(/timeout/i)
    await expect(store.checkWritable()).rejects.toThrow(/timeout/i)
    expect(Date.now() - started).toBeLessThan(5000)

    proxy.hang(false)
    await store.appendUpdate(name, new Uint8Array([3]))
    expect((await store.loadContent(name)).updates.map((update) => update[0])).toEqual([1, 3])
  })

  it('leaves a pool it was given open when it closes', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL })
    pool.on('error', () => undefined)
    onTestFinished(() => pool.end())
    const store = await openPostgresStore({ pool, schema, logger: silent })
    await store.checkWritable()
    await store.close()
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
  })
})

/** One server node: its own store and in-memory doc, whose changes it appends. */
class Node {
  readonly doc = new Y.Doc()
  readonly acknowledged: Uint8Array[] = []
  /** This node's changes that the other node has not received yet (cross-node messages lag). */
  readonly outbox: Uint8Array[] = []
  private readonly pending: Promise<unknown>[] = []

  constructor(
    readonly store: PostgresStore,
    private readonly name: string,
    storesRelayed: boolean,
  ) {
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === null) this.outbox.push(update)
      else if (origin === 'load' || !storesRelayed) return
      this.pending.push(this.store.appendUpdate(name, update).then(() => this.acknowledged.push(update)))
    })
  }

  async load(): Promise<void> {
    for (const update of (await this.store.loadContent(this.name)).updates) Y.applyUpdate(this.doc, update, 'load')
  }

  edit(random: () => number): void {
    const text = this.doc.getText('body')
    if (text.length > 0 && random() < 0.3) text.delete(Math.floor(random() * text.length), 1)
    else text.insert(Math.floor(random() * (text.length + 1)), String.fromCharCode(97 + Math.floor(random() * 26)))
  }

  /** Applies some of `from`'s lagging changes, in order. */
  receive(from: Node, random: () => number): void {
    const count = Math.ceil(random() * from.outbox.length)
    for (const update of from.outbox.splice(0, count)) Y.applyUpdate(this.doc, update, 'relay')
  }

  compact(): Promise<void> {
    const compaction = this.store.compact(this.name, Y.encodeStateAsUpdate(this.doc))
    this.pending.push(compaction)
    return compaction
  }

  /** Waits for every append and compaction so far; rejects if one failed. */
  async settled(): Promise<void> {
    await Promise.all(this.pending)
  }
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Proxy {
  /** DATABASE_URL with the proxy as host. */
  url: string
  /** Stops listening and cuts every connection, like a database that went away. */
  stop(): Promise<void>
  /** Listens again on the same port. */
  start(): Promise<void>
  /** While true, bytes are swallowed in both directions, like a database that stopped answering. */
  hang(hung: boolean): void
}

/** A TCP proxy to the database that a test can cut or stall; closed when the test finishes. */
async function startProxy(target: URL): Promise<Proxy> {
  const sockets = new Set<net.Socket>()
  let hung = false
  const track = (socket: net.Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname)
    track(client)
    track(upstream)
    client.on('data', (data) => void (hung || upstream.write(data)))
    upstream.on('data', (data) => void (hung || client.write(data)))
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  const stop = async () => {
    for (const socket of sockets) socket.destroy()
    if (server.listening) await new Promise((resolve) => server.close(resolve))
  }
  await listen(0)
  const port = (server.address() as AddressInfo).port
  onTestFinished(stop)
  const url = new URL(target)
  url.hostname = '127.0.0.1'
  url.port = String(port)
  return { url: url.toString(), stop, start: () => listen(port), hang: (value) => void (hung = value) }
}
