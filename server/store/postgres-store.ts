import { DatabaseError, Pool } from 'pg'
import { pino } from 'pino'
import type { Logger } from 'pino'
import { ROLES } from '../../shared/protocol.ts'
import type { Role } from '../../shared/protocol.ts'
import { migrate, tableNames, type Tables } from './postgres-schema.ts'
import type { DocumentRecord, LinkRecord, Store, StoredContent } from './store.ts'

// Several server nodes share one database, and each keeps its own in-memory Yjs doc of a
// doc name; a node may lack updates another node appended a moment ago. A compaction's
// snapshot therefore covers only what its own node has seen, and it deletes exactly the
// rows known to be inside it: the update and snapshot rows this node's last load returned,
// its own appends made before compact() was called, and its own earlier snapshots. A
// snapshot never replaces another node's snapshot, so a doc name may have several snapshot
// rows; a load applies them all, then every update row left. Since Yjs updates are
// idempotent and commutative, a row whose content is also in a snapshot costs bytes, never
// correctness. This holds only if every snapshot passed to compact() contains what the last
// loadContent() of the name returned, as a doc built from that load does.

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/db`; ignored when `pool` is given. */
  connectionString?: string
  /** A pool owned by the caller, left open by close(). Its timeouts are the caller's choice. */
  pool?: Pool
  /** Schema holding the tables (it must exist); unqualified names (the search_path) when omitted. */
  schema?: string
  /** Milliseconds before a query or a connection attempt of the store's own pool fails. Default 10 s. */
  queryTimeoutMs?: number
  /** Receives pool errors. Defaults to pino at level info. */
  logger?: Logger
}

/** The PostgreSQL store, with a counter for tests and measurements. */
export interface PostgresStore extends Store {
  /** INSERT round trips made for appends (each holds every append queued while the previous one ran). */
  readonly appendBatches: number
}

/** Most rows and bytes one append INSERT carries; the rest of the queue goes in the next one. */
const MAX_BATCH = { rows: 1000, bytes: 8 * 1024 * 1024 }
/** What PostgreSQL text cannot hold (NUL) or would store as U+FFFD (a lone surrogate), merging names. */
const UNSTORABLE_NAME = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Opens the store and brings its tables up to date. Rejects when the database cannot be reached. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const timeout = options.queryTimeoutMs ?? 10_000
  const ownPool = options.pool === undefined
  if (ownPool && options.connectionString === undefined) throw new RangeError('a connectionString or a pool is required')
  const pool =
    options.pool ??
    new Pool({
      connectionString: options.connectionString,
      statement_timeout: timeout,
      query_timeout: timeout,
      connectionTimeoutMillis: timeout,
      idle_in_transaction_session_timeout: timeout,
      keepAlive: true,
      fallback_application_name: 'collab-server',
    })
  const logger = options.logger ?? pino()
  // An idle client whose connection drops makes the pool emit 'error': unheard, it would end the process.
  const onPoolError = (error: Error) => logger.error({ err: error }, 'PostgreSQL connection failed')
  pool.on('error', onPoolError)
  const tables = tableNames(options.schema)
  try {
    await migrate(pool, tables, options.schema ?? '')
  } catch (error) {
    if (ownPool) await pool.end()
    pool.off('error', onPoolError)
    throw error
  }
  return new PgStore(pool, tables, ownPool ? () => pool.end() : async () => void pool.off('error', onPoolError))
}

/** What this node knows about one doc name's rows. */
interface Known {
  /** Appends called so far for the name: the number of the next one. */
  appends: number
  /** Update rows the doc contains: seq -> number of the append that wrote it (-1: returned by a load). */
  updates: Map<string, number>
  /** Snapshot rows the doc contains: returned by a load or written by this node. */
  snapshots: Set<string>
  /** Settles, never rejecting, once the latest append of the name has settled (appends settle in order). */
  lastAppend: Promise<void>
  /** Settles, never rejecting, once the latest compaction of the name has settled; they run one at a time. */
  compaction: Promise<void>
}

interface PendingAppend {
  name: string
  data: Buffer
  known: Known
  number: number
  resolve: () => void
  reject: (error: unknown) => void
}

class PgStore implements PostgresStore {
  appendBatches = 0
  private readonly known = new Map<string, Known>()
  private queue: PendingAppend[] = []
  private flushing: Promise<void> | undefined
  private probe: Promise<void> | undefined
  private closing: Promise<void> | undefined

  constructor(
    private readonly pool: Pool,
    private readonly t: Tables,
    private readonly endPool: () => Promise<void>,
  ) {}

  async createDocument(record: DocumentRecord): Promise<void> {
    this.assertOpen()
    const links = ROLES.map((role) => record.links[role])
    try {
      // One statement, so one transaction: the document never exists without its links.
      await this.pool.query(
        `WITH document AS (INSERT INTO ${this.t.documents} (id, created_at, title) VALUES ($1, $2, $3))
         INSERT INTO ${this.t.links} (document_id, role, token_hash, created_at)
         SELECT $1, * FROM unnest($4::text[], $5::text[], $6::timestamptz[])`,
        [record.id, record.createdAt, record.title, [...ROLES], links.map((l) => l.tokenHash), links.map((l) => l.createdAt)],
      )
    } catch (error) {
      if (error instanceof DatabaseError && error.code === '23505') throw new Error(`document ${record.id} already exists`)
      throw error
    }
  }

  async getDocument(id: string): Promise<DocumentRecord | undefined> {
    this.assertOpen()
    const { rows } = await this.pool.query<{
      created_at: Date
      title: string
      role: Role
      token_hash: string
      link_created_at: Date
    }>(
      `SELECT d.created_at, d.title, l.role, l.token_hash, l.created_at AS link_created_at
       FROM ${this.t.documents} d JOIN ${this.t.links} l ON l.document_id = d.id WHERE d.id = $1`,
      [id],
    )
    const first = rows[0]
    if (first === undefined) return undefined
    const links: Partial<Record<Role, LinkRecord>> = {}
    for (const row of rows) links[row.role] = { tokenHash: row.token_hash, createdAt: row.link_created_at.toISOString() }
    const missing = ROLES.find((role) => links[role] === undefined)
    if (missing !== undefined) throw new Error(`document ${id} has no ${missing} link`)
    return { id, createdAt: first.created_at.toISOString(), title: first.title, links: links as Record<Role, LinkRecord> }
  }

  async setLink(id: string, role: Role, link: LinkRecord): Promise<void> {
    this.assertOpen()
    try {
      await this.pool.query(
        `INSERT INTO ${this.t.links} (document_id, role, token_hash, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (document_id, role) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
        [id, role, link.tokenHash, link.createdAt],
      )
    } catch (error) {
      if (error instanceof DatabaseError && error.code === '23503') throw new Error(`document ${id} does not exist`)
      throw error
    }
  }

  async setTitle(id: string, title: string): Promise<void> {
    this.assertOpen()
    const result = await this.pool.query(`UPDATE ${this.t.documents} SET title = $2 WHERE id = $1`, [id, title])
    if (result.rowCount === 0) throw new Error(`document ${id} does not exist`)
  }

  async loadContent(name: string): Promise<StoredContent> {
    this.assertOpen()
    checkName(name)
    const known = this.knownFor(name)
    // Earlier appends and compactions first: what they add to `known` must be in this load.
    await Promise.all([known.lastAppend, known.compaction])
    // One statement sees one state of both tables, never a compaction half done.
    const { rows } = await this.pool.query<{ is_update: boolean; id: string; data: Buffer }>(
      `SELECT false AS is_update, id, data FROM ${this.t.snapshots} WHERE doc_name = $1
       UNION ALL
       SELECT true, seq, data FROM ${this.t.updates} WHERE doc_name = $1
       ORDER BY 1, 2`,
      [name],
    )
    const content: StoredContent = { updates: [], logBytes: 0, snapshotBytes: 0 }
    known.updates = new Map()
    known.snapshots = new Set()
    for (const row of rows) {
      content.updates.push(row.data)
      if (row.is_update) {
        content.logBytes += row.data.length
        known.updates.set(row.id, -1)
      } else {
        content.snapshotBytes += row.data.length
        known.snapshots.add(row.id)
      }
    }
    return content
  }

  appendUpdate(name: string, update: Uint8Array): Promise<void> {
    if (this.closing) return Promise.reject(new Error('the store is closed'))
    // Checked here: in a shared INSERT, the error would reject every append of the batch.
    try {
      checkName(name)
    } catch (error) {
      return Promise.reject(error)
    }
    const known = this.knownFor(name)
    // Copied, so a caller reusing its buffer cannot change what is stored.
    const data = Buffer.from(update)
    const appended = new Promise<void>((resolve, reject) => {
      this.queue.push({ name, data, known, number: known.appends++, resolve, reject })
      this.flushing ??= this.flush()
    })
    known.lastAppend = appended.catch(() => undefined)
    return appended
  }

  async compact(name: string, snapshot: Uint8Array): Promise<void> {
    this.assertOpen()
    checkName(name)
    const known = this.knownFor(name)
    // The appends made before this call are in `snapshot`; their rows go once their seqs are known.
    const covered = known.appends
    const appended = known.lastAppend
    const data = Buffer.from(snapshot)
    const compaction = known.compaction.then(async () => {
      await appended
      const updates = [...known.updates].filter(([, number]) => number < covered).map(([seq]) => seq)
      const snapshots = [...known.snapshots]
      const { rows } = await this.pool.query<{ id: string }>(
        `WITH snapshot AS (INSERT INTO ${this.t.snapshots} (doc_name, data) VALUES ($1, $2) RETURNING id),
         covered_snapshots AS (DELETE FROM ${this.t.snapshots} WHERE doc_name = $1 AND id = ANY($3::bigint[])),
         covered_updates AS (DELETE FROM ${this.t.updates} WHERE doc_name = $1 AND seq = ANY($4::bigint[]))
         SELECT id FROM snapshot`,
        [name, data, snapshots, updates],
      )
      for (const seq of updates) known.updates.delete(seq)
      for (const id of snapshots) known.snapshots.delete(id)
      known.snapshots.add(rows[0]!.id)
    })
    known.compaction = compaction.catch(() => undefined)
    return compaction
  }

  async release(name: string): Promise<void> {
    const known = this.known.get(name)
    if (known === undefined) return
    const { lastAppend, compaction } = known
    await Promise.all([lastAppend, compaction])
    // An append or compaction started meanwhile still needs the bookkeeping.
    if (known.lastAppend === lastAppend && known.compaction === compaction && this.known.get(name) === known) {
      this.known.delete(name)
    }
  }

  checkWritable(): Promise<void> {
    if (this.closing) return Promise.reject(new Error('the store is closed'))
    // Concurrent health checks share one write: they would all update the same row.
    this.probe ??= this.pool
      .query(
        `INSERT INTO ${this.t.health} (id, checked_at) VALUES (1, now())
         ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`,
      )
      .then(() => undefined)
      .finally(() => {
        this.probe = undefined
      })
    return this.probe
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    await this.flushing
    await Promise.all([...this.known.values()].map((known) => known.compaction))
    await this.probe?.catch(() => undefined)
    await this.endPool()
  }

  /** Sends the queue as multi-row INSERTs, one at a time, until it is empty. Never rejects. */
  private async flush(): Promise<void> {
    // One microtask: appends made in the same tick as the first one share its INSERT.
    await Promise.resolve()
    while (this.queue.length > 0) {
      const batch = this.takeBatch()
      try {
        const seqs = await this.insert(batch)
        for (const [index, pending] of batch.entries()) {
          pending.known.updates.set(seqs[index]!, pending.number)
          pending.resolve()
        }
      } catch (error) {
        for (const pending of batch) pending.reject(error)
      }
    }
    this.flushing = undefined
  }

  private takeBatch(): PendingAppend[] {
    let count = 0
    for (let bytes = 0; count < this.queue.length && count < MAX_BATCH.rows; count++) {
      bytes += this.queue[count]!.data.length
      if (bytes > MAX_BATCH.bytes && count > 0) break
    }
    return this.queue.splice(0, count)
  }

  /** Inserts the batch in one statement; returns the seq of each row, in batch order. */
  private async insert(batch: PendingAppend[]): Promise<string[]> {
    this.appendBatches++
    const rows = batch.map((_, index) => `($${2 * index + 1}, $${2 * index + 2})`).join(', ')
    const { rows: inserted } = await this.pool.query<{ seq: string }>(
      `INSERT INTO ${this.t.updates} (doc_name, data) VALUES ${rows} RETURNING seq`,
      batch.flatMap((pending) => [pending.name, pending.data]),
    )
    // Rows take their seqs in VALUES order; sorting does not rely on the order RETURNING lists them.
    return inserted.map((row) => BigInt(row.seq)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String)
  }

  private knownFor(name: string): Known {
    let known = this.known.get(name)
    if (known === undefined) {
      const settled = Promise.resolve()
      known = { appends: 0, updates: new Map(), snapshots: new Set(), lastAppend: settled, compaction: settled }
      this.known.set(name, known)
    }
    return known
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('the store is closed')
  }
}

function checkName(name: string): void {
  if (UNSTORABLE_NAME.test(name)) throw new RangeError(`doc name ${JSON.stringify(name)} cannot be stored in PostgreSQL`)
}
