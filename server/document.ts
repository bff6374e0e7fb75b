import * as Y from 'yjs'
import { parseDocName, type UpdateFormat } from '../shared/protocol.ts'
import { CommentGuard, type CommentSender } from './comment-guard.ts'
import { CollabError } from './errors.ts'
import type { Logger } from './logger.ts'
import { Presence } from './presence.ts'
import type { Store } from './store/store.ts'
import { findUpdateProblem } from './update-check.ts'

/**
 * Where a change came from, which decides where it goes:
 * - a local socket's update: to the room (but that socket), to the other nodes, to the store;
 * - another node's (stored there, and its clients already have it): nowhere else;
 * - the store, re-read after the nodes lost touch: to this node's clients only;
 * - Yjs itself (its cleanup after a remote update; no origin): to everyone, the nodes, the store.
 */
export type ChangeOrigin = { socket: string } | { peer: true } | { store: true }

/** The ways out of a document; the transport provides them. */
export interface Relay {
  /** To the sockets in the doc's room (on every node), except `except`. */
  toRoom(name: string, update: Uint8Array, except: string | null): void
  /** To this node's sockets in the room only. */
  toLocalRoom(name: string, update: Uint8Array): void
  /** To the other nodes holding the doc in memory. */
  toPeers(name: string, update: Uint8Array): void
}

export interface DocumentOptions {
  store: Store
  logger: Logger
  relay: Relay
  /** Log bytes since the last snapshot that make the document compact (see Config.compactLogBytes). */
  compactLogBytes: number
}

/**
 * The changes a document made in one turn of the event loop (a few milliseconds when it is busy,
 * see COALESCING). They leave together at its end, as one merged update: one message per
 * recipient and one append. A quiet document's turn holds a single change, so batching costs it
 * nothing; a busy one's holds many.
 */
class Batch {
  readonly updates: Uint8Array[] = []
  /** The sockets that sent the changes; null stands for a change Yjs made itself. */
  readonly senders = new Set<string | null>()
  /** Resolves once the batch is relayed and its append is under way. */
  readonly sent: Promise<void>
  markSent!: () => void

  constructor() {
    this.sent = new Promise((resolve) => (this.markSent = resolve))
  }
}

/**
 * A document whose changes arrive closer than `busyBelowMs` apart on average (over the last
 * dozen or so) is busy: its next batch waits until `everyMs` after the previous one, so it
 * gathers more changes (fewer, larger messages and appends, at up to `everyMs` of extra latency).
 * A quieter document sends each batch at the end of its turn. Arrivals, not batches, are
 * averaged, so coalescing does not hide the rate that turned it on.
 */
const COALESCING = { busyBelowMs: 8, everyMs: 10, smoothing: 0.1 }
/** Longer gaps count as this much, so one long pause does not hide a busy spell that starts after it. */
const MAX_ARRIVAL_GAP_MS = 100

/** Delay before retrying a failed write, doubling up to the maximum. */
const REPAIR_DELAY_MS = { first: 500, max: 10_000 }

/**
 * One loaded Yjs doc (content or comments) with its presence and its durability bookkeeping.
 *
 * Every change the doc makes is appended to the store, whether it came from a client or
 * from Yjs itself (its formatting cleanup deletes items after a remote update: lessons.md),
 * and broadcast to the room. A change is relayed at the end of the event-loop turn in which it
 * was applied, merged with the others of that turn (see `Batch`); its sender is acknowledged
 * only once `whenStored()` says it is durable.
 *
 * When an append fails, the log has a hole; the next durable point is then a snapshot of
 * the whole doc (a compaction), retried with backoff until storage works again.
 *
 * A document nobody used for a while sleeps: its Y.Doc (several times the size of its content)
 * is freed and the content kept as one encoded update, which answers joins (`diff`); the next
 * use of `doc` (a change) rebuilds it.
 */
export class CollabDocument {
  readonly presence = new Presence()
  /** Sockets that joined this doc. */
  readonly clients = new Set<string>()

  /** The Yjs doc while awake. */
  private awake: Y.Doc | null = null
  /** While asleep: the whole doc as one update. */
  private asleep: Uint8Array | null = null
  /** When `doc` was last used (Date.now()). */
  private lastUsedAt = Date.now()
  /** Changes not yet relayed or stored: those of this turn of the event loop, or more when busy. */
  private batch: Batch | null = null
  /** When the last batch was sent and the last change arrived (performance.now()), and a moving average of the time between changes. */
  private lastBatchAt = -Infinity
  private lastArrivalAt = -Infinity
  private arrivalIntervalMs = MAX_ARRIVAL_GAP_MS
  /** Sequence number of the latest append. */
  private appendSeq = 0
  /** Settles when the latest append has settled (the store settles appends in order). */
  private lastAppend: Promise<unknown> = Promise.resolve()
  /** Sequence numbers of failed appends not yet covered by a snapshot. */
  private holes: number[] = []
  private compaction: Promise<void> | null = null
  private repairTimer: NodeJS.Timeout | null = null
  private repairDelay = REPAIR_DELAY_MS.first
  private logBytes: number
  private snapshotBytes: number
  private destroyed = false
  /** Set for comments docs: checks who may change what. */
  private guard: CommentGuard | null = null

  private constructor(
    readonly name: string,
    private readonly options: DocumentOptions,
    stored: { logBytes: number; snapshotBytes: number },
  ) {
    this.logBytes = stored.logBytes
    this.snapshotBytes = stored.snapshotBytes
  }

  /** Loads a doc from the store. Rejects (and writes nothing) when the store cannot be read. */
  static async load(name: string, options: DocumentOptions): Promise<CollabDocument> {
    const stored = await options.store.loadContent(name)
    const document = new CollabDocument(name, options, stored)
    const doc = new Y.Doc({ gc: true })
    Y.transact(doc, () => {
      for (const update of stored.updates) Y.applyUpdate(doc, update)
    })
    document.adopt(doc)
    if (parseDocName(name)?.kind === 'comments') document.guard = new CommentGuard(doc)
    return document
  }

  /** The Yjs doc, rebuilt first if the document was asleep. */
  get doc(): Y.Doc {
    this.lastUsedAt = Date.now()
    if (this.awake) return this.awake
    const doc = new Y.Doc({ gc: true })
    Y.applyUpdate(doc, this.asleep!)
    this.asleep = null
    return this.adopt(doc)
  }

  /**
   * Frees the Yjs doc if nobody used it for `quietMs` and all of it is stored, keeping its content
   * as one update; `beforeSleep` reads the doc a last time. Comments docs stay awake (their guard
   * holds a copy). True if it fell asleep.
   */
  sleepIfQuiet(quietMs: number, now = Date.now(), beforeSleep?: (doc: Y.Doc) => void): boolean {
    const busy = this.batch || this.compaction || this.holes.length > 0 || this.guard || this.destroyed
    if (!this.awake || busy || now - this.lastUsedAt < quietMs) return false
    beforeSleep?.(this.awake)
    this.asleep = Y.encodeStateAsUpdate(this.awake)
    this.awake.destroy()
    this.awake = null
    return true
  }

  /** True while the document sleeps. */
  get sleeping(): boolean {
    return this.asleep !== null
  }

  private adopt(doc: Y.Doc): Y.Doc {
    doc.on('update', (update: Uint8Array, origin: unknown) => this.onChange(update, origin))
    this.awake = doc
    return doc
  }

  /**
   * Integrates a client's update. Throws `invalid-update` (leaving the doc untouched) when the
   * update does not decode or depends on data the server lacks, and `forbidden` when it makes
   * a change to comments that `sender` may not make. Resolves once it is durable.
   */
  applyClientUpdate(update: Uint8Array, socketId: string, sender: CommentSender | null): Promise<void> {
    const doc = this.doc
    const problem = findUpdateProblem(doc, update)
    if (problem) throw new CollabError('invalid-update', problem)
    if (this.guard) {
      if (!sender) throw new CollabError('forbidden', 'commenting needs an identity in the handshake')
      this.guard.check(update, sender)
    }
    const store = doc.store as { pendingStructs: unknown; pendingDs: unknown }
    const hadPending = store.pendingStructs !== null || store.pendingDs !== null
    try {
      Y.applyUpdate(doc, update, { socket: socketId } satisfies ChangeOrigin)
    } catch (error) {
      this.options.logger.error({ doc: this.name, err: error }, 'Yjs failed to integrate an update that passed the check')
      throw new CollabError('invalid-update', 'the update could not be integrated')
    }
    if (!hadPending && (store.pendingStructs || store.pendingDs)) {
      // The check above should make this unreachable; never keep parked data that peers would miss.
      store.pendingStructs = null
      store.pendingDs = null
      this.options.logger.error({ doc: this.name }, 'update left pending data after passing the check')
      throw new CollabError('invalid-update', 'update depends on data the server does not have')
    }
    return this.whenStored()
  }

  /**
   * Integrates an update that another node accepted and stored, or that the store holds
   * (`from: 'store'`). Whatever this doc lacked reaches this node's clients as needed.
   */
  applyStoredUpdate(update: Uint8Array, from: 'peer' | 'store'): void {
    // Unlike a client's, this update is already stored, so it is applied whole: a part whose
    // dependencies have not reached this node yet waits (pending) until they do, and the next
    // snapshot keeps it (Yjs encodes pending structs too), so compaction drops nothing.
    Y.applyUpdate(this.doc, update, from === 'peer' ? { peer: true } : { store: true })
  }

  /** What a client with `stateVector` lacks (as a Yjs update of `format`), and the server's state vector. */
  diff(stateVector: Uint8Array, format: UpdateFormat = 'v1'): { update: Uint8Array; stateVector: Uint8Array } {
    if (this.asleep) {
      // Answered from the encoded content, so a join alone does not wake the doc.
      const update = Y.diffUpdate(this.asleep, stateVector)
      return {
        update: format === 'v2' ? Y.convertUpdateFormatV1ToV2(update) : update,
        stateVector: Y.encodeStateVectorFromUpdate(this.asleep),
      }
    }
    const doc = this.doc
    const update = format === 'v2' ? Y.encodeStateAsUpdateV2(doc, stateVector) : Y.encodeStateAsUpdate(doc, stateVector)
    return { update, stateVector: Y.encodeStateVector(doc) }
  }

  /** Resolves once every change applied so far is durable; rejects while storage fails. */
  async whenStored(): Promise<void> {
    if (this.batch) await this.batch.sent
    const target = this.appendSeq
    await this.lastAppend
    // A compaction already under way may predate `target`; then it takes one more.
    while (this.holes.some((seq) => seq <= target)) await this.compact()
  }

  /** True while some applied change is not durable because storage failed. */
  get hasUnstoredChanges(): boolean {
    return this.holes.length > 0
  }

  /** Stops retries and frees the Yjs doc. Call only once `whenStored()` has resolved. */
  destroy(): void {
    this.destroyed = true
    if (this.repairTimer) clearTimeout(this.repairTimer)
    this.guard?.destroy()
    this.awake?.destroy()
    this.asleep = null
  }

  private onChange(update: Uint8Array, origin: unknown): void {
    const { relay } = this.options
    const from = origin as Partial<{ socket: string; peer: true; store: true }> | null
    // A client's update reached the shadow when it was checked; every other change has not.
    if (!from?.socket) this.guard?.follow(update)
    if (from?.peer) return
    if (from?.store) {
      this.sendBatch() // keeps the room's changes in the order they were made
      return relay.toLocalRoom(this.name, update)
    }
    const now = performance.now()
    const gap = Math.min(now - this.lastArrivalAt, MAX_ARRIVAL_GAP_MS)
    this.arrivalIntervalMs += COALESCING.smoothing * (gap - this.arrivalIntervalMs)
    this.lastArrivalAt = now
    if (!this.batch) {
      this.batch = new Batch()
      const wait = this.arrivalIntervalMs < COALESCING.busyBelowMs ? this.lastBatchAt + COALESCING.everyMs - now : 0
      if (wait >= 1) setTimeout(() => this.sendBatch(), wait)
      else setImmediate(() => this.sendBatch())
    }
    this.batch.updates.push(update)
    this.batch.senders.add(from?.socket ?? null)
  }

  /** Relays the batch to the room and the other nodes, and appends it to the store. */
  private sendBatch(): void {
    const batch = this.batch
    if (!batch) return
    this.batch = null
    this.lastBatchAt = performance.now()
    const update = batch.updates.length === 1 ? batch.updates[0]! : Y.mergeUpdates(batch.updates)
    // Its only sender has all of it; with several, each gets the others' changes (and its own back).
    const except = batch.senders.size === 1 ? [...batch.senders][0]! : null
    this.options.relay.toRoom(this.name, update, except)
    this.options.relay.toPeers(this.name, update)
    const seq = ++this.appendSeq
    this.logBytes += update.length
    this.lastAppend = this.options.store.appendUpdate(this.name, update).then(
      () => this.maybeCompact(),
      (error: unknown) => this.onAppendFailed(seq, error),
    )
    batch.markSent()
  }

  private onAppendFailed(seq: number, error: unknown): void {
    this.holes.push(seq)
    this.options.logger.error({ doc: this.name, err: error }, 'storing an update failed; will store a snapshot')
    this.scheduleRepair()
  }

  private scheduleRepair(): void {
    if (this.repairTimer || this.destroyed) return
    this.repairTimer = setTimeout(() => {
      this.repairTimer = null
      this.compact().then(
        () => (this.repairDelay = REPAIR_DELAY_MS.first),
        () => {
          this.repairDelay = Math.min(this.repairDelay * 2, REPAIR_DELAY_MS.max)
          if (this.holes.length > 0) this.scheduleRepair()
        },
      )
    }, this.repairDelay)
    this.repairTimer.unref()
  }

  private maybeCompact(): void {
    if (this.logBytes >= Math.max(this.options.compactLogBytes, this.snapshotBytes)) {
      this.compact().catch((error: unknown) => {
        this.options.logger.warn({ doc: this.name, err: error }, 'compaction failed; the log still holds the updates')
      })
    }
  }

  /** Writes a snapshot of the whole doc, which covers every change applied before it. One at a time. */
  private compact(): Promise<void> {
    if (this.compaction) return this.compaction
    const covered = this.appendSeq
    const snapshot = this.asleep ?? Y.encodeStateAsUpdate(this.doc)
    const logBytesBefore = this.logBytes
    this.compaction = this.options.store
      .compact(this.name, snapshot)
      .then(() => {
        this.holes = this.holes.filter((seq) => seq > covered)
        this.snapshotBytes = snapshot.length
        this.logBytes -= logBytesBefore
      })
      .finally(() => {
        this.compaction = null
      })
    return this.compaction
  }
}
