import { createAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import type { Server } from 'socket.io'
import type { Role } from '../shared/protocol.ts'
import type { Logger } from './logger.ts'
import type { CollabNamespace } from './session.ts'

/**
 * How this node talks to the other nodes serving the same documents. Rooms span nodes through
 * the official Socket.IO Redis adapter; what the adapter does not do by itself (keeping every
 * node's in-memory docs current, revoking on every node, gathering presence for a joiner) goes
 * through its server-side messages. Alone, every call is a no-op.
 */
export interface Cluster {
  /** Hands an update this node stored to the other nodes. */
  publishUpdate(name: string, update: Uint8Array): void
  /** Asks every other node to cut off the sockets that joined with that link. */
  revokeElsewhere(id: string, role: Role): void
  /** The presence states the other nodes hold for a doc (awareness updates). */
  presenceElsewhere(name: string): Promise<Uint8Array[]>
  /** The other nodes' metrics summaries (those that answer in time). */
  summariesElsewhere(): Promise<Array<Record<string, number>>>
  close(): Promise<void>
}

/** What the other nodes ask of this one. */
export interface ClusterHandlers {
  onPeerUpdate(name: string, update: Uint8Array): void
  onRevoke(id: string, role: Role): void
  presenceOf(name: string): Uint8Array | null
  summary(): Promise<Record<string, number>>
  /** Redis came back after an outage: messages were lost meanwhile, so resync from the store. */
  onReconnected(): void
}

export const SINGLE_NODE: Cluster = {
  publishUpdate() {},
  revokeElsewhere() {},
  presenceElsewhere: () => Promise.resolve([]),
  summariesElsewhere: () => Promise.resolve([]),
  close: () => Promise.resolve(),
}

/** How long a joiner waits for the other nodes' presence before going on without it. */
const PRESENCE_TIMEOUT_MS = 500

/**
 * Connects to Redis, installs the adapter on `io`, and answers the other nodes. Resolves once
 * both Redis connections are up; rejects (so the server does not start) when Redis cannot be reached.
 */
export async function joinCluster(
  io: Server,
  nsp: CollabNamespace,
  options: { redisUrl: string; logger: Logger; handlers: ClusterHandlers },
): Promise<Cluster> {
  const { logger, handlers } = options
  // Publishing fails fast while Redis is down rather than queueing stale messages for later;
  // the subscriber queues its subscriptions until it is connected.
  const pub = new Redis(options.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 })
  const sub = new Redis(options.redisUrl, { lazyConnect: true })
  // A Redis client without an error listener takes the process down (lessons.md).
  // A Redis that stops cleanly closes the connection without any error, so `close` counts too.
  let down = false
  let closing = false
  for (const [role, client] of [['publisher', pub], ['subscriber', sub]] as const) {
    const lost = (error?: Error) => {
      if (down || closing) return
      down = true
      logger.error({ err: error, redis: role }, 'Redis connection lost; rooms are local until it returns')
    }
    client.on('error', lost)
    client.on('close', () => lost())
  }
  sub.on('ready', () => {
    if (!down) return
    down = false
    logger.warn('Redis is back; resyncing documents from the store')
    handlers.onReconnected()
  })
  await Promise.all([pub.connect(), sub.connect()])
  // The adapter drops the promises of its publishes; one rejected while Redis is down must not
  // become an unhandled rejection that ends the process.
  const publish = pub.publish.bind(pub)
  pub.publish = ((channel: string, message: string | Buffer) =>
    publish(channel, message).catch(() => 0)) as typeof pub.publish

  io.adapter(createAdapter(pub, sub, { requestsTimeout: PRESENCE_TIMEOUT_MS }))
  const peers = nsp as unknown as PeerMessages
  // Server-side messages travel as JSON, so binary goes as base64.
  peers.on('doc-update', (name: string, update: string) => handlers.onPeerUpdate(name, Buffer.from(update, 'base64')))
  peers.on('revoke', (id: string, role: Role) => handlers.onRevoke(id, role))
  peers.on('metrics-summary', (reply: (summary: Record<string, number>) => void) => {
    handlers.summary().then(reply, () => reply({}))
  })
  peers.on('presence', (name: string, reply: (states: string | null) => void) => {
    const states = handlers.presenceOf(name)
    reply(states ? Buffer.from(states).toString('base64') : null)
  })

  /** The answers of the other nodes that replied within the adapter's requestsTimeout. */
  const askPeers = (event: string, ...args: unknown[]): Promise<unknown[]> =>
    peers.serverSideEmitWithAck(event, ...args).catch((error: { responses?: unknown[] }) => error.responses ?? [])

  return {
    publishUpdate(name, update) {
      peers.serverSideEmit('doc-update', name, Buffer.from(update).toString('base64'))
    },
    revokeElsewhere(id, role) {
      peers.serverSideEmit('revoke', id, role)
    },
    async presenceElsewhere(name) {
      // The adapter's requestsTimeout bounds the wait; a node that does not answer in time
      // has its presence relayed as it changes.
      const replies = await askPeers('presence', name)
      return replies.filter((r): r is string => typeof r === 'string').map((r) => Buffer.from(r, 'base64'))
    },
    async summariesElsewhere() {
      const replies = await askPeers('metrics-summary')
      return replies.filter((r): r is Record<string, number> => typeof r === 'object' && r !== null)
    },
    async close() {
      closing = true
      pub.disconnect()
      sub.disconnect()
    },
  }
}

/** The slice of a namespace's server-side messaging used here, untyped by event. */
interface PeerMessages {
  on(event: string, listener: (...args: never[]) => void): void
  serverSideEmit(event: string, ...args: unknown[]): boolean
  serverSideEmitWithAck(event: string, ...args: unknown[]): Promise<unknown[]>
}
