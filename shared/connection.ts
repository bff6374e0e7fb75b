import { timeout } from 'lib0/eventloop'
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client'
import { SINGLE_FRAME_QUERY, singleFrameParser } from './frame-parser.ts'
import { COLLAB_NAMESPACE, type ClientToServerEvents, type HandshakeAuth, type RevokedNotice, type ServerToClientEvents } from './protocol.ts'

export type CollabSocket = Socket<ServerToClientEvents, ClientToServerEvents>

/** What a connection needs from each provider riding on it. */
export interface ConnectionMember {
  readonly name: string
  onConnect(): void
  onDisconnect(): void
  onConnectError(message: string): void
  onUpdate(update: Uint8Array): void
  onAwareness(update: Uint8Array): void
  onRevoked(notice: RevokedNotice): void
}

export interface ConnectionOptions {
  /** The private identity secret sent in the handshake (needed to comment). */
  identity?: string
  /** Passed to socket.io-client's `io()`, e.g. `{ transports: ['polling'] }`. */
  socketOptions?: Partial<ManagerOptions & SocketOptions>
}

/**
 * One Socket.IO connection to the server's `/collab` namespace, shared by any number of
 * providers (one per doc name). It routes server events to the provider of their doc name
 * and tells every provider when the socket (re)connects so each can rejoin and resync.
 */
export class CollabConnection {
  readonly socket: CollabSocket
  /** Increases on every disconnect; acks from an older connection are stale. */
  epoch = 0
  private readonly members = new Map<string, ConnectionMember>()

  constructor(serverUrl: string, options: ConnectionOptions = {}) {
    // Without an identity the CONNECT packet carries no auth at all.
    const auth: HandshakeAuth | undefined = options.identity === undefined ? undefined : { identity: options.identity }
    this.socket = io(serverUrl.replace(/\/+$/, '') + COLLAB_NAMESPACE, {
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      autoConnect: false,
      ...options.socketOptions,
      // Each binary event in one WebSocket message, not two (see frame-parser.ts).
      parser: singleFrameParser,
      query: { ...options.socketOptions?.query, ...SINGLE_FRAME_QUERY },
      ...(auth ? { auth } : {}),
    })
    this.socket.on('connect', () => {
      for (const member of this.members.values()) member.onConnect()
    })
    this.socket.on('disconnect', () => {
      this.epoch++
      // Socket.IO would replay these after reconnecting; offline changes travel in the resync instead.
      this.socket.sendBuffer = []
      for (const member of this.members.values()) member.onDisconnect()
    })
    this.socket.on('connect_error', (error) => {
      for (const member of this.members.values()) member.onConnectError(error.message)
      // A refusal by server middleware is not retried by Socket.IO itself.
      if (!this.socket.active) timeout(2000, () => this.members.size > 0 && this.socket.connect())
    })
    this.socket.on('update', (name, update) => this.members.get(name)?.onUpdate(toBytes(update)))
    this.socket.on('awareness', (name, update) => this.members.get(name)?.onAwareness(toBytes(update)))
    this.socket.on('revoked', (name, notice) => this.members.get(name)?.onRevoked(notice))
  }

  get connected(): boolean {
    return this.socket.connected
  }

  /** Adds a provider for its doc name and connects if needed; a connected socket joins it at once. */
  add(member: ConnectionMember): void {
    const existing = this.members.get(member.name)
    if (existing && existing !== member) throw new Error(`a provider for ${member.name} already uses this connection`)
    this.members.set(member.name, member)
    if (this.socket.connected) member.onConnect()
    else if (!this.socket.active) this.socket.connect()
  }

  /** Removes a provider; the socket disconnects when the last one is gone (and reconnects with the next `add`). */
  remove(member: ConnectionMember): void {
    if (this.members.get(member.name) === member) this.members.delete(member.name)
    if (this.members.size === 0) this.socket.disconnect()
  }

  /** Closes the socket; every provider on it hears of the disconnect first. */
  close(): void {
    this.socket.disconnect()
    this.members.clear()
  }
}

/** Binary arrives as Buffer in Node and as ArrayBuffer in browsers. */
export function toBytes(value: Uint8Array | ArrayBuffer): Uint8Array {
  return value instanceof Uint8Array ? value : new Uint8Array(value)
}
