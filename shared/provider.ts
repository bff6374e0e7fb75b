import { timeout, type TimeoutObject } from 'lib0/eventloop'
import { ObservableV2 } from 'lib0/observable'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { CollabConnection, toBytes, type ConnectionMember, type ConnectionOptions } from './connection.ts'
import type { ErrorCode, JoinOptions, JoinReply, OkReply, RevokedNotice, Role, UpdateFormat } from './protocol.ts'

export type ProviderStatus = 'connecting' | 'connected' | 'disconnected'

export interface ProviderError {
  code: ErrorCode | 'connect-failed'
  message: string
}

export interface ProviderEvents {
  status: (event: { status: ProviderStatus }) => void
  /** The doc holds the server's state (after every successful join). */
  sync: (synced: boolean) => void
  synced: (synced: boolean) => void
  /** How many local updates the server has not yet acknowledged as stored. */
  unsaved: (count: number) => void
  revoked: (notice: RevokedNotice) => void
  error: (error: ProviderError) => void
}

export interface ProviderOptions extends ConnectionOptions {
  /** The share link's bearer token. */
  token: string
  /** Presence for this doc; a new one by default, none with `null`. */
  awareness?: awarenessProtocol.Awareness | null
  /** A connection to share with other providers; by default the provider opens its own. */
  connection?: CollabConnection
  /** Connect at once (default true). */
  connect?: boolean
}

/** Retry delays after a refused or failed save, in ms. */
const RETRY_DELAY_MS = { first: 250, max: 30_000 }
/**
 * An empty doc asks for the join reply's update in Yjs's v2 encoding: about half the bytes of v1
 * when it downloads a whole big doc. A doc with content asks for nothing (v1): its reply is a
 * catch-up diff, usually small, and v2 is the larger encoding for small updates.
 */
const FRESH_JOIN_OPTIONS: JoinOptions = { updateFormat: 'v2' }
/** Errors a retry cannot fix. */
const FINAL_ERRORS: ReadonlySet<string> = new Set(['forbidden', 'not-found', 'bad-request', 'too-large'])

/**
 * Keeps a Y.Doc in sync with one doc name on the collaboration server, in the manner of
 * y-websocket's WebsocketProvider: `status`, `synced`, `connect()`, `disconnect()`, `destroy()`.
 *
 * On every (re)connect it joins with the doc's state vector, applies what the server sends, and
 * answers with one update holding everything the server lacks (offline edits included). Local
 * updates are sent only while joined; they are never queued for a replay. `unsaved` counts local
 * updates not yet acknowledged as stored, so a UI can tell "Saving…" from "All changes saved".
 */
export class CollabProvider extends ObservableV2<ProviderEvents> implements ConnectionMember {
  readonly doc: Y.Doc
  readonly name: string
  readonly awareness: awarenessProtocol.Awareness | null
  readonly connection: CollabConnection
  status: ProviderStatus = 'disconnected'
  synced = false
  /** The role the server granted at the last join. */
  role: Role | null = null
  /** Set once the server revoked this link; the provider stays disconnected. */
  revoked: RevokedNotice | null = null

  private token: string
  private wanted = false
  private joined = false
  /** Local updates made while no send was possible, waiting for the next resync. */
  private unsent = 0
  /** Local updates covered by sends awaiting their ack. */
  private inFlight = 0
  private retryTimer: TimeoutObject | null = null
  private retryDelay = RETRY_DELAY_MS.first

  constructor(serverUrl: string, name: string, doc: Y.Doc, options: ProviderOptions) {
    super()
    this.doc = doc
    this.name = name
    this.token = options.token
    this.awareness = options.awareness === undefined ? new awarenessProtocol.Awareness(doc) : options.awareness
    this.connection = options.connection ?? new CollabConnection(serverUrl, options)
    doc.on('update', this.onLocalUpdate)
    this.awareness?.on('update', this.onLocalAwareness)
    if (options.connect !== false) this.connect()
  }

  /** Local updates not yet acknowledged as stored. */
  get unsavedUpdates(): number {
    return this.unsent + this.inFlight
  }

  /** Starts (or resumes) syncing. */
  connect(): void {
    if (this.wanted || this.revoked) return
    this.wanted = true
    this.setStatus('connecting')
    this.connection.add(this)
  }

  /** Leaves the doc (the connection closes when no provider uses it). Local edits keep counting as unsaved. */
  disconnect(): void {
    if (!this.wanted) return
    this.wanted = false
    this.clearRetry()
    // The server removes this socket's cursors for everyone when it leaves.
    if (this.joined) this.connection.socket.emit('leave', this.name)
    this.connection.remove(this)
    this.onDisconnect()
    this.setStatus('disconnected')
  }

  /** Resolves when the doc holds the server's state. */
  whenSynced(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.once('synced', () => resolve()))
  }

  /** Resolves when the server has acknowledged every local update as stored. */
  whenSaved(): Promise<void> {
    if (this.unsavedUpdates === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const check = (count: number) => {
        if (count > 0) return
        this.off('unsaved', check)
        resolve()
      }
      this.on('unsaved', check)
    })
  }

  override destroy(): void {
    this.disconnect()
    this.doc.off('update', this.onLocalUpdate)
    this.awareness?.off('update', this.onLocalAwareness)
    super.destroy()
  }

  onConnect(): void {
    if (!this.wanted) return
    this.setStatus('connecting')
    this.join()
  }

  onDisconnect(): void {
    this.joined = false
    this.clearRetry()
    // Sends in flight died with the connection; the next resync carries what they held.
    this.unsent += this.inFlight
    this.inFlight = 0
    if (this.synced) {
      this.synced = false
      this.emit('sync', [false])
      this.emit('synced', [false])
    }
    if (this.awareness) {
      const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID)
      awarenessProtocol.removeAwarenessStates(this.awareness, others, this)
    }
    if (this.wanted) this.setStatus('connecting')
  }

  onConnectError(message: string): void {
    this.emit('error', [{ code: 'connect-failed', message }])
  }

  onUpdate(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update, this)
  }

  onAwareness(update: Uint8Array): void {
    if (this.awareness) awarenessProtocol.applyAwarenessUpdate(this.awareness, update, this)
  }

  onRevoked(notice: RevokedNotice): void {
    this.revoked = notice
    this.emit('revoked', [notice])
    this.disconnect()
  }

  private join(): void {
    const epoch = this.connection.epoch
    const stateVector = Y.encodeStateVector(this.doc)
    const format: UpdateFormat = this.doc.store.clients.size === 0 ? 'v2' : 'v1'
    const onReply = (reply: JoinReply) => {
      if (epoch !== this.connection.epoch || !this.wanted) return
      if (!reply.ok) return this.onRefused(reply)
      this.role = reply.role
      const serverUpdate = toBytes(reply.update)
      const serverStateVector = toBytes(reply.stateVector)
      // Taken before the server's update is applied, or it would send the server's own deletions back.
      const diff = Y.encodeStateAsUpdate(this.doc, serverStateVector)
      // Applying the server's update can make Yjs change the doc by itself (its formatting
      // cleanup); onLocalUpdate counts those changes as unsent, so they go out with the diff.
      const ownChanges: Uint8Array[] = []
      const collect = (update: Uint8Array, origin: unknown) => {
        if (origin !== this) ownChanges.push(update)
      }
      this.doc.on('update', collect)
      try {
        if (format === 'v2') Y.applyUpdateV2(this.doc, serverUpdate, this)
        else Y.applyUpdate(this.doc, serverUpdate, this)
      } finally {
        this.doc.off('update', collect)
      }
      const outgoing = ownChanges.length > 0 ? Y.mergeUpdates([diff, ...ownChanges]) : diff
      this.joined = true
      this.retryDelay = RETRY_DELAY_MS.first
      // A resync can carry edits this provider never counted (restored from IndexedDB after a
      // reload), so it counts as at least one unsaved update until its ack.
      const covered = this.unsent
      this.unsent = 0
      if (hasNews(outgoing, serverUpdate, format)) this.send(outgoing, Math.max(covered, 1))
      else this.emitUnsaved()
      this.setStatus('connected')
      this.synced = true
      this.emit('sync', [true])
      this.emit('synced', [true])
      if (this.awareness?.getLocalState()) {
        this.connection.socket.emit('awareness', this.name, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID]))
      }
    }
    if (format === 'v2') this.connection.socket.emit('join', this.name, this.token, stateVector, FRESH_JOIN_OPTIONS, onReply)
    else this.connection.socket.emit('join', this.name, this.token, stateVector, onReply)
  }

  private send(update: Uint8Array, covers: number): void {
    const epoch = this.connection.epoch
    this.inFlight += covers
    this.emitUnsaved()
    this.connection.socket.emit('update', this.name, update, (reply: OkReply) => {
      if (epoch !== this.connection.epoch) return // already moved back to `unsent` on disconnect
      this.inFlight -= covers
      if (reply.ok) return this.emitUnsaved()
      this.unsent += covers
      this.emitUnsaved()
      this.onRefused(reply)
    })
  }

  /** A refused join or update: report it, and resync later unless retrying cannot help. */
  private onRefused(reply: { code: ErrorCode; message: string }): void {
    this.emit('error', [{ code: reply.code, message: reply.message }])
    if (FINAL_ERRORS.has(reply.code) || this.retryTimer) return
    const delay = reply.code === 'invalid-update' ? 0 : this.retryDelay
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_DELAY_MS.max)
    this.retryTimer = timeout(delay, () => {
      this.retryTimer = null
      if (this.wanted && this.connection.connected) this.join()
    })
  }

  private clearRetry(): void {
    this.retryTimer?.destroy()
    this.retryTimer = null
  }

  private readonly onLocalUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return
    if (this.joined && this.connection.connected) this.send(update, 1)
    else {
      this.unsent++
      this.emitUnsaved()
    }
  }

  private readonly onLocalAwareness = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    // Only this client's own state goes out: the server binds client IDs to the socket that claims them.
    const own = this.doc.clientID
    if (origin === this || !this.joined || !this.awareness) return
    if (!added.includes(own) && !updated.includes(own) && !removed.includes(own)) return
    this.connection.socket.emit('awareness', this.name, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [own]))
  }

  private setStatus(status: ProviderStatus): void {
    if (this.status === status) return
    this.status = status
    this.emit('status', [{ status }])
  }

  private emitUnsaved(): void {
    this.emit('unsaved', [this.unsavedUpdates])
  }
}

/**
 * Whether the resync diff (v1) holds anything the server lacks. Its structs are exactly what the
 * server's state vector lacks; its delete set is the whole local one, which matters only where
 * it deletes something the server has not deleted (per the server's update, in `serverFormat`).
 */
function hasNews(diff: Uint8Array, serverUpdate: Uint8Array, serverFormat: UpdateFormat): boolean {
  const local = Y.decodeUpdate(diff)
  if (local.structs.length > 0) return true
  if (local.ds.clients.size === 0) return false
  const server = (serverFormat === 'v2' ? Y.decodeUpdateV2 : Y.decodeUpdate)(serverUpdate).ds
  for (const [client, ranges] of local.ds.clients) {
    const covering = server.clients.get(client) ?? []
    for (const range of ranges) {
      if (!covering.some((c) => c.clock <= range.clock && range.clock + range.len <= c.clock + c.len)) return true
    }
  }
  return false
}
