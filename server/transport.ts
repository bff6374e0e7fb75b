import type { IncomingMessage, Server as HttpServer } from 'node:http'
import { Server } from 'socket.io'
import { SINGLE_FRAME_QUERY, singleFrameParser, toDefaultEncoding, type EncodedPacket } from '../shared/frame-parser.ts'
import { ADMIN_NAMESPACE, COLLAB_NAMESPACE, LIMITS, commentsDocName, type ClientToServerEvents, type Role, type ServerToClientEvents } from '../shared/protocol.ts'
import { authorIdFromSecret } from '../shared/identity.ts'
import { SINGLE_NODE, joinCluster, type Cluster } from './cluster.ts'
import { tokensEqual } from './access.ts'
import type { Relay } from './document.ts'
import { combineSummaries, type Metrics } from './metrics.ts'
import { TokenBucket } from './rate-limit.ts'
import { Session, leaveDoc, type CollabNamespace, type SessionContext, type SocketData } from './session.ts'

export type CollabServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>

export interface Transport {
  io: CollabServer
  /** Where documents send their changes. */
  relay: Relay
  /** Cuts off every socket, on every node, that joined document `id` with the link of `role`. */
  revokeLink(id: string, role: Role): void
  close(): Promise<void>
}

/** Room in Socket.IO's buffer above the update limit, so an oversized update still gets its `too-large` ack. */
const ENVELOPE_BYTES = 64 * 1024

/**
 * The Socket.IO side of the server: namespace `/collab`, one room per doc name; across nodes
 * when `config.redisUrl` is set.
 */
export async function attachTransport(httpServer: HttpServer, context: Omit<SessionContext, 'cluster'>): Promise<Transport> {
  const { config, logger, registry, metrics } = context
  const io: CollabServer = new Server(httpServer, {
    maxHttpBufferSize: config.maxUpdateBytes + ENVELOPE_BYTES,
    // Browsers' WebSockets ignore CORS, so the origin is checked on every handshake.
    allowRequest: (req, callback) => callback(null, isOriginAllowed(req, config.allowedOrigins)),
    cors: { origin: config.allowedOrigins.includes('*') ? true : config.allowedOrigins },
    serveClient: false,
    parser: singleFrameParser,
    // Connection state recovery stays off: rooms are entered only through `join`, which checks the token.
  })
  speakDefaultParserToOthers(io)
  const nsp: CollabNamespace = io.of(COLLAB_NAMESPACE)

  const revokeHere = (id: string, role: Role) => {
    let revoked = 0
    for (const name of [id, commentsDocName(id)]) {
      for (const socketId of [...(nsp.adapter.rooms.get(name) ?? [])]) {
        const socket = nsp.sockets.get(socketId)
        if (!socket || socket.data.memberships.get(name)?.role !== role) continue
        leaveDoc(socket, name, registry)
        socket.emit('revoked', name, { code: 'forbidden', message: `the ${role} link was rotated` })
        revoked++
      }
    }
    if (revoked > 0) logger.info({ doc: id, role, sockets: revoked }, 'revoked sockets of a rotated link')
  }

  const cluster: Cluster = config.redisUrl
    ? await joinCluster(io, nsp, {
        redisUrl: config.redisUrl,
        logger,
        handlers: {
          onPeerUpdate: (name, update) => registry.applyPeerUpdate(name, update),
          onRevoke: revokeHere,
          presenceOf: (name) => registry.get(name)?.presence.encodeAll() ?? null,
          summary: () => metrics.summary(),
          onReconnected: () => void registry.resyncFromStore(),
        },
      })
    : SINGLE_NODE
  const sessionContext: SessionContext = { ...context, cluster }

  nsp.use((socket, next) => {
    const identity: unknown = (socket.handshake.auth as { identity?: unknown } | undefined)?.identity
    if (identity !== undefined && (typeof identity !== 'string' || identity.length < 16 || identity.length > LIMITS.maxIdentityLength)) {
      next(Object.assign(new Error('identity must be a string of 16 to 256 characters'), { data: { code: 'bad-request' } }))
      return
    }
    socket.data.authorId = identity === undefined ? null : authorIdFromSecret(identity)
    socket.data.memberships = new Map()
    socket.data.events = new TokenBucket(config.eventsPerSecond, config.eventBurst)
    next()
  })
  nsp.on('connection', (socket) => new Session(socket, sessionContext).listen())
  if (config.adminToken) streamMetricsToAdmins(io, config.adminToken, () => clusterSummary(metrics, cluster))

  /** Counts what a relay sends to this node's sockets (other nodes count their own). */
  const countSent = (name: string, update: Uint8Array, except: string | null) => {
    const room = nsp.adapter.rooms.get(name)
    const recipients = (room?.size ?? 0) - (except && room?.has(except) ? 1 : 0)
    if (recipients <= 0) return
    metrics.updatesOut.inc(recipients)
    metrics.bytesOut.inc(recipients * update.length)
  }

  return {
    io,
    relay: {
      toRoom(name, update, except) {
        countSent(name, update, except)
        if (except) nsp.to(name).except(except).emit('update', name, update)
        else nsp.to(name).emit('update', name, update)
      },
      toLocalRoom(name, update) {
        countSent(name, update, null)
        nsp.local.to(name).emit('update', name, update)
      },
      toPeers: (name, update) => cluster.publishUpdate(name, update),
    },
    revokeLink(id, role) {
      revokeHere(id, role)
      cluster.revokeElsewhere(id, role)
    },
    async close() {
      nsp.local.disconnectSockets(true)
      await new Promise<void>((resolve) => io.close(() => resolve()))
      await cluster.close()
    },
  }
}

/** How often the admin view gets fresh figures, in ms. */
const ADMIN_INTERVAL_MS = 1000

/** Every node's figures added up, with `collab_nodes`: how many nodes answered. */
async function clusterSummary(metrics: Metrics, cluster: Cluster): Promise<Record<string, number>> {
  const [own, others] = await Promise.all([metrics.summary(), cluster.summariesElsewhere()])
  return { ...combineSummaries([own, ...others]), collab_nodes: 1 + others.length }
}

/**
 * Namespace `/admin`: sockets that present the admin token (`auth.token`) receive `metrics`
 * (the summary of every collab_ figure, summed over the nodes) once a second while any of them
 * is connected.
 */
function streamMetricsToAdmins(io: CollabServer, adminToken: string, summarize: () => Promise<Record<string, number>>): void {
  const admin = (io as unknown as Server).of(ADMIN_NAMESPACE)
  admin.use((socket, next) => {
    const token: unknown = (socket.handshake.auth as { token?: unknown } | undefined)?.token
    if (typeof token === 'string' && tokensEqual(token, adminToken)) next()
    else next(Object.assign(new Error('the admin view needs the admin token'), { data: { code: 'forbidden' } }))
  })
  let timer: NodeJS.Timeout | null = null
  const send = () => void summarize().then((summary) => admin.emit('metrics', { at: Date.now(), ...summary }))
  admin.on('connection', (socket) => {
    send()
    timer ??= setInterval(send, ADMIN_INTERVAL_MS)
    socket.on('disconnect', () => {
      if (admin.sockets.size > 0 || !timer) return
      clearInterval(timer)
      timer = null
    })
  })
}

/** The slice of an Engine.IO connection that Socket.IO writes packets through. */
interface EngineConnection {
  request: IncomingMessage
  write(data: EncodedPacket, options?: { wsPreEncodedFrame?: unknown }, callback?: () => void): unknown
}

/**
 * The server encodes with the single-frame parser; a client that did not ask for it in its
 * handshake (protocol v1's default Socket.IO parser) gets every single-frame message
 * re-encoded the default way. One re-encoding serves a whole broadcast.
 */
function speakDefaultParserToOthers(io: CollabServer): void {
  const reencoded = new WeakMap<Uint8Array, EncodedPacket[]>()
  io.engine.on('connection', (conn: EngineConnection) => {
    const query = new URLSearchParams(conn.request.url?.split('?')[1] ?? '')
    if (query.get('frames') === SINGLE_FRAME_QUERY.frames) return
    const write = conn.write.bind(conn)
    conn.write = (data, options, callback) => {
      if (typeof data === 'string') return write(data, options, callback)
      let parts = reencoded.get(data)
      if (!parts) reencoded.set(data, (parts = toDefaultEncoding(data)))
      const { wsPreEncodedFrame: _frame, ...partOptions } = options ?? {}
      parts.forEach((part, i) => write(part, partOptions, i === parts.length - 1 ? callback : undefined))
      return conn
    }
  })
}

/** No Origin header (not a browser), the server's own origin, or a configured one. */
function isOriginAllowed(req: IncomingMessage, allowed: string[]): boolean {
  const origin = req.headers.origin
  if (!origin || allowed.includes('*') || allowed.includes(origin)) return true
  try {
    return new URL(origin).host === req.headers.host
  } catch {
    return false
  }
}
