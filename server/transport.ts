import type { IncomingMessage, Server as HttpServer } from 'node:http'
import { Server } from 'socket.io'
import { COLLAB_NAMESPACE, LIMITS, commentsDocName, type ClientToServerEvents, type Role, type ServerToClientEvents } from '../shared/protocol.ts'
import { authorIdFromSecret } from '../shared/identity.ts'
import { TokenBucket } from './rate-limit.ts'
import { Session, leaveDoc, type CollabNamespace, type SessionContext, type SocketData } from './session.ts'

export interface Transport {
  io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>
  /** Relays a doc change to its room, except to the socket it came from. */
  broadcast(name: string, update: Uint8Array, except: string | null): void
  /** Cuts off every socket that joined document `id` with the link of `role`; returns how many. */
  revokeLink(id: string, role: Role): number
  close(): Promise<void>
}

/** Room in Socket.IO's buffer above the update limit, so an oversized update still gets its `too-large` ack. */
const ENVELOPE_BYTES = 64 * 1024

/** The Socket.IO side of the server: namespace `/collab`, one room per doc name. */
export function attachTransport(httpServer: HttpServer, context: SessionContext): Transport {
  const { config, logger } = context
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(httpServer, {
    maxHttpBufferSize: config.maxUpdateBytes + ENVELOPE_BYTES,
    // Browsers' WebSockets ignore CORS, so the origin is checked on every handshake.
    allowRequest: (req, callback) => callback(null, isOriginAllowed(req, config.allowedOrigins)),
    cors: { origin: config.allowedOrigins.includes('*') ? true : config.allowedOrigins },
    serveClient: false,
    // Connection state recovery stays off: rooms are entered only through `join`, which checks the token.
  })
  const nsp: CollabNamespace = io.of(COLLAB_NAMESPACE)

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
  nsp.on('connection', (socket) => new Session(socket, context).listen())

  return {
    io,
    broadcast(name, update, except) {
      if (except) nsp.to(name).except(except).emit('update', name, update)
      else nsp.to(name).emit('update', name, update)
    },
    revokeLink(id, role) {
      let revoked = 0
      for (const name of [id, commentsDocName(id)]) {
        for (const socketId of [...(nsp.adapter.rooms.get(name) ?? [])]) {
          const socket = nsp.sockets.get(socketId)
          if (!socket || socket.data.memberships.get(name)?.role !== role) continue
          leaveDoc(socket, name, context.registry)
          socket.emit('revoked', name, { code: 'forbidden', message: `the ${role} link was rotated` })
          revoked++
        }
      }
      logger.info({ doc: id, role, sockets: revoked }, 'link rotated')
      return revoked
    },
    async close() {
      nsp.disconnectSockets(true)
      await new Promise<void>((resolve) => io.close(() => resolve()))
    },
  }
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
