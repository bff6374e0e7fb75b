import { EventEmitter } from 'node:events'
import { appendFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import * as prng from 'lib0/prng'
import type { Socket } from 'socket.io-client'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import * as Y from 'yjs'
import { type ClientToServerEvents, type JoinReply, type OkReply, type ServerToClientEvents } from '../../shared/protocol.ts'
import { encodeFileName } from '../../server/store/file-name.ts'
import { encodeRecord } from '../../server/store/record.ts'
import { buildWebAppIfStale } from '../../server/web-app.ts'
import { rawSocket } from '../raw-socket.ts'
import { startChildServer, type ChildServer } from '../child-server.ts'
import { connectClient, converged, createDocument, tempDir, until } from '../helpers.ts'

type RawSocket = Socket<ServerToClientEvents, ClientToServerEvents>

/** Kill/restart cycles; every second one compacts after 4 KiB of log, every third one ends with a torn write. */
const CYCLES = 12
const WRITERS_PER_CYCLE = 4
/** Updates each writer keeps sent but not yet acknowledged. */
const IN_FLIGHT = 8
/** The rate limit would refuse a writer that outpaces it; this test measures storage, not fairness. */
const UNLIMITED = { RATE_LIMIT_EVENTS_PER_SECOND: '1000000', RATE_LIMIT_EVENT_BURST: '1000000' }

/** A raw socket that does not reconnect: a killed server must end the writer's story. */
const connectRaw = async (url: string) => (await rawSocket(url)) as unknown as RawSocket

/** Joins `name` on `socket` and applies what the server holds to `doc`. */
async function joinDoc(socket: RawSocket, name: string, token: string, doc: Y.Doc): Promise<void> {
  const reply = await new Promise<JoinReply>((resolve) => socket.emit('join', name, token, Y.encodeStateVector(doc), resolve))
  if (!reply.ok) throw new Error(`join refused: ${reply.code}: ${reply.message}`)
  Y.applyUpdate(doc, reply.update)
}

/** What the server holds for `name` right now, as a fresh client sees it. */
async function fetchDoc(url: string, name: string, token: string): Promise<Y.Doc> {
  const socket = await connectRaw(url)
  const doc = new Y.Doc()
  await joinDoc(socket, name, token, doc)
  socket.disconnect()
  return doc
}

/**
 * One client typing into a Y.Text of its own, one character per update, as fast as the acks
 * allow with IN_FLIGHT updates outstanding. It remembers exactly which updates were acknowledged.
 */
class Writer {
  readonly doc = new Y.Doc()
  /** Every character sent, in order; update i inserted `sent[i]`. */
  sent = ''
  /** Indexes of the updates answered `{ ok: true }`. */
  readonly acked: number[] = []
  readonly refusals: OkReply[] = []
  /** Settles once the socket is gone (the server died). */
  readonly gone: Promise<void>
  private inFlight = 0

  constructor(
    private readonly socket: RawSocket,
    private readonly name: string,
    readonly textName: string,
    private readonly progress: EventEmitter,
  ) {
    this.gone = new Promise((resolve) => socket.once('disconnect', () => resolve()))
  }

  get clientID(): number {
    return this.doc.clientID
  }

  start(): void {
    while (this.inFlight < IN_FLIGHT && this.socket.connected && this.refusals.length === 0) this.sendNext()
  }

  private sendNext(): void {
    const index = this.sent.length
    const character = String.fromCharCode(97 + (index % 26))
    let update: Uint8Array | null = null
    const capture = (u: Uint8Array) => (update = u)
    this.doc.once('update', capture)
    this.doc.getText(this.textName).insert(index, character)
    this.sent += character
    this.inFlight++
    this.socket.emit('update', this.name, update!, (reply) => {
      this.inFlight--
      if (reply.ok) this.acked.push(index)
      else this.refusals.push(reply)
      this.progress.emit('ack')
      this.start()
    })
  }
}

/** Resolves after `count` turns of the event loop, letting I/O through in between. */
async function ticks(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Highest generation among the snapshot and log files: how many compactions the doc went through. */
async function highestGeneration(dataDir: string): Promise<number> {
  const names = await readdir(join(dataDir, 'content')).catch(() => [] as string[])
  return Math.max(0, ...names.map((name) => Number(/\.(\d+)\.(?:snap|log)$/.exec(name)?.[1] ?? 0)))
}

/**
 * Leaves the doc's current log ending in half a record, as a power cut in the middle of a write
 * would (SIGKILL cannot: a write(2) that started completes). That write was never acknowledged.
 * Returns false when the current generation has no log yet.
 */
async function tearLogTail(dataDir: string, name: string): Promise<boolean> {
  const dir = join(dataDir, 'content')
  const base = encodeFileName(name)
  const files = (await readdir(dir)).flatMap((file) => {
    const match = file.startsWith(`${base}.`) ? /^(\d+)\.(snap|log)$/.exec(file.slice(base.length + 1)) : null
    return match ? [{ file, generation: Number(match[1]), kind: match[2] }] : []
  })
  const snapshot = Math.max(-1, ...files.filter((f) => f.kind === 'snap').map((f) => f.generation))
  const current = files.filter((f) => f.kind === 'log' && f.generation >= snapshot).sort((a, b) => b.generation - a.generation)[0]
  if (!current) return false
  const record = encodeRecord(new Uint8Array(200).fill(7))
  await appendFile(join(dir, current.file), record.subarray(0, record.length / 2))
  return true
}

interface Loss {
  writer: string
  /** Acknowledged updates of this writer that the server does not have. */
  lost: number
  problem: string
}

/** Every acknowledged character of every writer must be in `doc`, in the order it was typed. */
function findLosses(doc: Y.Doc, writers: Writer[]): Loss[] {
  const stateVector = Y.decodeStateVector(Y.encodeStateVector(doc))
  const losses: Loss[] = []
  for (const writer of writers) {
    if (writer.acked.length === 0) continue
    const stored = doc.getText(writer.textName).toString()
    const highest = Math.max(...writer.acked)
    const clock = stateVector.get(writer.clientID) ?? 0
    // Unacknowledged updates may or may not have been stored, but only ever after all earlier ones.
    if (!writer.sent.startsWith(stored)) {
      losses.push({ writer: writer.textName, lost: writer.acked.length, problem: `stored ${JSON.stringify(stored)} is not what was typed` })
    } else if (stored.length <= highest || clock <= highest) {
      const lost = writer.acked.filter((index) => index >= Math.min(stored.length, clock)).length
      losses.push({ writer: writer.textName, lost, problem: `update ${highest} was acknowledged; stored are ${stored.length} characters, clock ${clock} of client ${writer.clientID}` })
    }
  }
  return losses
}

describe('durability across crashes', () => {
  // `npm start` builds the web app when it is stale; once here, not inside the timed cycles.
  beforeAll(() => buildWebAppIfStale().then(() => undefined), 120_000)

  it('loses none of the acknowledged updates when the server is killed with SIGKILL under load', async () => {
    const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31))
    const gen = prng.create(seed)
    const started = performance.now()
    const dataDir = await tempDir('collab-durability-')
    const writers: Writer[] = []
    const refusals: string[] = []
    const tornRecordWarnings: number[] = []
    let tornWrites = 0
    const generations: number[] = []
    let server: ChildServer = await startChildServer(dataDir, { env: UNLIMITED })
    const { id, tokens } = await createDocument(server.url)
    const failure = (what: string) => `seed=${seed}: ${what}\n--- server stderr ---\n${server.stderr().slice(-4000)}`

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      if (cycle > 0) {
        const compactLogBytes: Record<string, string> = cycle % 2 === 1 ? { COMPACT_LOG_BYTES: '4096' } : {}
        server = await startChildServer(dataDir, { env: { ...UNLIMITED, ...compactLogBytes } })
        const stored = await fetchDoc(server.url, id, tokens.viewer)
        expect(findLosses(stored, writers), failure(`after restart ${cycle}`)).toEqual([])
      }

      const progress = new EventEmitter()
      const cycleWriters = await Promise.all(
        Array.from({ length: WRITERS_PER_CYCLE }, async (_, w) => {
          const socket = await connectRaw(server.url)
          const writer = new Writer(socket, id, `cycle${cycle}-writer${w}`, progress)
          await joinDoc(socket, id, tokens.editor, writer.doc)
          return writer
        }),
      )
      writers.push(...cycleWriters)
      const acks = () => cycleWriters.reduce((sum, w) => sum + w.acked.length + w.refusals.length, 0)
      const killAfterAcks = prng.int32(gen, 20, 400)
      for (const writer of cycleWriters) writer.start()
      await until(() => acks() >= killAfterAcks, [[progress, ['ack']]], failure(`${killAfterAcks} acks in cycle ${cycle}`), 20_000)
      await ticks(prng.int32(gen, 0, 30))
      await server.kill('SIGKILL')
      // Acks already on their way count: the server sent them, so they promised durability.
      await Promise.all(cycleWriters.map((w) => w.gone))

      if (cycle % 3 === 2 && (await tearLogTail(dataDir, id))) tornWrites++
      for (const writer of cycleWriters) refusals.push(...writer.refusals.map((r) => `${writer.textName}: ${r.ok ? '' : `${r.code}: ${r.message}`}`))
      tornRecordWarnings.push((server.stderr().match(/torn record/g) ?? []).length)
      generations.push(await highestGeneration(dataDir))
    }

    server = await startChildServer(dataDir, { env: UNLIMITED })
    const stored = await fetchDoc(server.url, id, tokens.viewer)
    const losses = findLosses(stored, writers)
    const acked = writers.reduce((sum, w) => sum + w.acked.length, 0)
    const lost = losses.reduce((sum, loss) => sum + loss.lost, 0)
    tornRecordWarnings.push((server.stderr().match(/torn record/g) ?? []).length)
    const tornTailsDropped = tornRecordWarnings.reduce((a, b) => a + b, 0)
    console.log(
      `durability: seed ${seed}, ${CYCLES} SIGKILL cycles, ${acked} acknowledged updates, ${lost} lost, ` +
        `${refusals.length} refused, ${tornWrites} torn writes simulated, ${tornTailsDropped} torn tails dropped on restart, ` +
        `compaction generation ${generations.at(-1)}, ${Math.round(performance.now() - started)} ms`,
    )
    expect(refusals, failure('no update may be refused')).toEqual([])
    expect(losses, failure(`${lost} acknowledged updates were lost`)).toEqual([])
    expect(acked).toBeGreaterThan(CYCLES * 20)
    expect(tornTailsDropped, failure('every torn write is repaired on restart')).toBeGreaterThanOrEqual(tornWrites)
    expect(generations.at(-1), failure('the log was compacted under load')).toBeGreaterThan(0)

    // The restarted server serves one and the same document to everyone.
    const a = connectClient(server.url, id, tokens.editor)
    const b = connectClient(server.url, id, tokens.viewer, { socketOptions: { transports: ['polling'] } })
    await Promise.all([a.whenSynced(), b.whenSynced()])
    expect(converged([a.doc, b.doc, stored]), failure('two fresh clients see different documents')).toBe(true)
    expect(findLosses(a.doc, writers), failure('a provider misses acknowledged updates')).toEqual([])
  }, 90_000)
})
