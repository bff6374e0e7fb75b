import type { Namespace, Socket } from 'socket.io'
import * as Y from 'yjs'
import {
  LIMITS,
  parseDocName,
  roleAtLeast,
  writeRoleFor,
  type ClientToServerEvents,
  type DocAddress,
  type JoinOptions,
  type JoinReply,
  type OkReply,
  type Role,
  type ServerToClientEvents,
  type UpdateFormat,
} from '../shared/protocol.ts'
import { roleForToken } from './access.ts'
import type { Cluster } from './cluster.ts'
import type { Config } from './config.ts'
import type { CollabDocument } from './document.ts'
import { CollabError, errorReply } from './errors.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'
import type { TokenBucket } from './rate-limit.ts'
import type { DocumentRegistry } from './registry.ts'
import type { Store } from './store/store.ts'

/** A socket's stake in one doc it joined. */
export interface Membership {
  address: DocAddress
  role: Role
  document: CollabDocument
}

export interface SocketData {
  /** Public author id derived from the handshake identity; null without one. */
  authorId: string | null
  memberships: Map<string, Membership>
  events: TokenBucket
}

export type CollabSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>
export type CollabNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>

export interface SessionContext {
  cluster: Cluster
  metrics: Metrics
  config: Config
  store: Store
  registry: DocumentRegistry
  logger: Logger
}

type Reply<T> = (reply: T) => void

/**
 * One socket's side of the protocol: join, update, awareness, leave. Every argument arrives
 * untrusted and is checked here; every failure becomes an error reply to this socket alone.
 */
export class Session {
  constructor(
    private readonly socket: CollabSocket,
    private readonly context: SessionContext,
  ) {}

  /** Wires the protocol's events to this session. */
  listen(): void {
    this.on('join', (args, reply: Reply<JoinReply>) => this.join(args, reply))
    this.on('update', (args, reply: Reply<OkReply>) => this.update(args, reply))
    this.on('awareness', (args) => this.awareness(args))
    this.on('leave', (args, reply: Reply<OkReply>) => this.leave(args, reply))
    this.socket.on('disconnect', () => {
      for (const name of [...this.socket.data.memberships.keys()]) this.leaveDoc(name)
    })
  }

  private leaveDoc(name: string): void {
    leaveDoc(this.socket, name, this.context.registry)
  }

  private async join(args: unknown[], reply: Reply<JoinReply>): Promise<void> {
    const [name, token, stateVector, options] = args
    const address = parseDocName(name)
    if (!address) throw new CollabError('bad-request', 'join needs a doc name: <id> or <id>/comments')
    if (typeof token !== 'string' || token.length === 0 || token.length > LIMITS.maxTokenLength) {
      throw new CollabError('bad-request', 'join needs a token string')
    }
    if (!isBinary(stateVector) || stateVector.length > LIMITS.maxStateVectorBytes) {
      throw new CollabError('bad-request', 'join needs a binary state vector')
    }
    try {
      Y.decodeStateVector(stateVector)
    } catch {
      throw new CollabError('bad-request', 'the state vector does not decode')
    }
    const updateFormat = requestedUpdateFormat(options)
    this.spendEvent()
    const docName = name as string
    const record = await this.context.store.getDocument(address.id).catch(() => {
      throw new CollabError('unavailable', 'storage is not readable right now')
    })
    if (!record) throw new CollabError('not-found', `no document ${address.id}`)
    const role = roleForToken(record, token)
    if (!role) throw new CollabError('forbidden', 'this link does not grant access to the document')

    const document = await this.context.registry.open(docName, this.socket.id).catch((error: unknown) => {
      this.context.logger.error({ doc: docName, err: error }, 'loading failed')
      throw new CollabError('unavailable', 'the document could not be loaded')
    })
    if (this.socket.disconnected) {
      this.context.registry.close(document, this.socket.id)
      return
    }
    // Enter the room and take the diff in one tick, so every later change reaches this socket.
    this.socket.data.memberships.set(docName, { address, role, document })
    void this.socket.join(docName)
    const diff = document.diff(stateVector, updateFormat)
    try {
      await document.whenStored() // the state vector in the reply must be durable
    } catch {
      this.leaveDoc(docName)
      throw new CollabError('unavailable', 'storage is failing; try again shortly')
    }
    // A link rotated while the doc was loading revoked the room's sockets, but this one was not
    // in the room yet: check the token again, now that any later rotation reaches it.
    const current = await this.context.store.getDocument(address.id).catch(() => null)
    if (current === null) {
      this.leaveDoc(docName)
      throw new CollabError('unavailable', 'storage is not readable right now')
    }
    if (!current || roleForToken(current, token) !== role || !this.socket.data.memberships.has(docName)) {
      this.leaveDoc(docName)
      throw new CollabError('forbidden', 'this link was rotated while joining')
    }
    reply({ ok: true, role, update: diff.update, stateVector: diff.stateVector })
    this.context.metrics.joins.inc()
    this.socket.emit('awareness', docName, document.presence.encodeAll() ?? EMPTY_AWARENESS)
    for (const states of await this.context.cluster.presenceElsewhere(docName)) this.socket.emit('awareness', docName, states)
  }

  private async update(args: unknown[], reply: Reply<OkReply>): Promise<void> {
    const [name, update] = args
    const membership = this.membership(name)
    if (!isBinary(update)) throw new CollabError('bad-request', 'update needs a binary Yjs update')
    if (update.length > this.context.config.maxUpdateBytes) {
      throw new CollabError('too-large', `updates are limited to ${this.context.config.maxUpdateBytes} bytes`)
    }
    const needed = writeRoleFor(membership.address.kind)
    if (!roleAtLeast(membership.role, needed)) throw new CollabError('forbidden', `writing this doc needs the ${needed} role`)
    const { authorId } = this.socket.data
    this.spendEvent()
    const stopTimer = this.context.metrics.ackSeconds.startTimer()
    try {
      await membership.document.applyClientUpdate(update, this.socket.id, authorId === null ? null : { authorId, role: membership.role })
    } catch (error) {
      if (error instanceof CollabError) throw error
      throw new CollabError('unavailable', 'the update could not be stored')
    }
    stopTimer()
    this.context.metrics.updatesIn.inc()
    this.context.metrics.bytesIn.inc(update.length)
    reply({ ok: true })
  }

  private awareness(args: unknown[]): void {
    const [name, update] = args
    const membership = this.membership(name)
    if (!isBinary(update) || update.length > LIMITS.maxAwarenessBytes) {
      throw new CollabError('bad-request', 'awareness needs a binary update of at most 16 KiB')
    }
    this.spendEvent()
    let accepted: Uint8Array | null
    try {
      accepted = membership.document.presence.apply(this.socket.id, update)
    } catch {
      throw new CollabError('bad-request', 'the awareness update does not decode')
    }
    if (accepted) this.socket.to(name as string).emit('awareness', name as string, accepted)
  }

  private leave(args: unknown[], reply: Reply<OkReply>): void {
    this.membership(args[0])
    this.leaveDoc(args[0] as string)
    reply({ ok: true })
  }

  private membership(name: unknown): Membership {
    const membership = typeof name === 'string' ? this.socket.data.memberships.get(name) : undefined
    if (!membership) throw new CollabError(parseDocName(name) ? 'forbidden' : 'bad-request', 'join the doc first')
    return membership
  }

  private spendEvent(): void {
    if (!this.socket.data.events.take()) throw new CollabError('rate-limited', 'too many events; slow down')
  }

  /**
   * Registers a handler that receives its arguments as untrusted values. The ack callback, if the
   * client asked for one, is split off; without one, replies go nowhere. Any throw becomes an
   * error reply and a log line, never a crash.
   */
  private on<T>(event: string, handler: (args: unknown[], reply: Reply<T>) => Promise<void> | void): void {
    const socket = this.socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void }
    socket.on(event, (...args) => {
      const ack = typeof args.at(-1) === 'function' ? (args.pop() as Reply<unknown>) : undefined
      const reply = (value: T) => ack?.(value)
      const fail = (error: unknown) => {
        ack?.(errorReply(error))
        const fields = { doc: typeof args[0] === 'string' ? args[0].slice(0, 80) : undefined, socket: this.socket.id, event }
        const { code } = errorReply(error)
        this.context.metrics.countRefused(code)
        if (error instanceof CollabError) this.context.logger.info({ ...fields, code }, error.message)
        else this.context.logger.error({ ...fields, err: error }, 'event failed')
      }
      try {
        Promise.resolve(handler(args, reply)).catch(fail)
      } catch (error) {
        fail(error)
      }
    })
  }
}

/** Takes a socket out of a doc: its room, its presence states, its place among the doc's clients. */
export function leaveDoc(socket: CollabSocket, name: string, registry: DocumentRegistry): void {
  const membership = socket.data.memberships.get(name)
  if (!membership) return
  socket.data.memberships.delete(name)
  void socket.leave(name)
  const removal = membership.document.presence.removeOwner(socket.id)
  if (removal) socket.to(name).emit('awareness', name, removal)
  registry.close(membership.document, socket.id)
}

/** An awareness update with no states. */
const EMPTY_AWARENESS = new Uint8Array([0])

function isBinary(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array
}

/**
 * The update format a join's options ask for: 'v1' without options, else the plain object's
 * `updateFormat` ('v1' when absent; other keys are ignored). `null` counts as no options, because
 * that is what a client's explicit `undefined` becomes in Socket.IO's JSON.
 */
function requestedUpdateFormat(options: unknown): UpdateFormat {
  if (options === undefined || options === null) return 'v1'
  if (typeof options !== 'object' || Object.getPrototypeOf(options) !== Object.prototype) {
    throw new CollabError('bad-request', "join's options must be an object")
  }
  const { updateFormat = 'v1' } = options as JoinOptions
  if (updateFormat !== 'v1' && updateFormat !== 'v2') throw new CollabError('bad-request', "updateFormat must be 'v1' or 'v2'")
  return updateFormat
}
