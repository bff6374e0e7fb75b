import { io, type ManagerOptions, type Socket } from 'socket.io-client'
import { singleFrameParser } from '../../shared/frame-parser.ts'
import * as Y from 'yjs'
import { waitUntil, type BenchClient, type ClientOptions, type Room, type ServerClients } from './client.ts'
import { Meter, meterManager, meteredWebSocket } from './meter.ts'

/**
 * A client of a bare relay: it sends every local update of `doc` as it is, and applies (or only
 * counts) what the relay forwards. Nothing is stored, so there is no sync and no resync.
 */
abstract class RelayClient implements BenchClient {
  readonly meter = new Meter()
  protected joined = false

  constructor(
    readonly doc: Y.Doc,
    protected readonly options: ClientOptions,
  ) {
    doc.on('update', this.onLocalUpdate)
  }

  synced(): Promise<void> {
    return waitUntil(() => this.joined, 30_000, 'joining the relay room')
  }

  abstract goOffline(): void
  abstract goOnline(): void
  abstract destroy(): void
  protected abstract send(update: Uint8Array): void

  protected receive(update: Uint8Array): void {
    if (this.options.decode) Y.applyUpdate(this.doc, update, this)
    else this.meter.skipped++
  }

  private readonly onLocalUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin !== this && this.joined) this.send(update)
  }
}

class SocketIoRelayClient extends RelayClient {
  private readonly socket: Socket

  constructor(
    url: string,
    private readonly room: Room,
    doc: Y.Doc,
    options: ClientOptions,
    parser?: ManagerOptions['parser'],
  ) {
    super(doc, options)
    this.socket = io(url, { forceNew: true, transports: ['websocket'], autoConnect: false, ...(parser ? { parser } : {}) })
    meterManager(this.socket.io, this.meter)
    this.socket.on('connect', () => this.socket.emit('join', room.name, () => (this.joined = true)))
    this.socket.on('disconnect', () => (this.joined = false))
    this.socket.on('update', (_room: string, update: Uint8Array) => this.receive(update))
    this.socket.connect()
  }

  protected send(update: Uint8Array): void {
    this.socket.emit('update', this.room.name, update)
  }

  goOffline(): void {
    this.socket.disconnect()
  }

  goOnline(): void {
    this.socket.connect()
  }

  destroy(): void {
    this.socket.disconnect()
  }
}

class WsRelayClient extends RelayClient {
  private ws: InstanceType<ReturnType<typeof meteredWebSocket>> | null = null

  constructor(
    private readonly url: string,
    doc: Y.Doc,
    options: ClientOptions,
  ) {
    super(doc, options)
    this.goOnline()
  }

  protected send(update: Uint8Array): void {
    this.ws?.send(update)
  }

  goOnline(): void {
    const ws = new (meteredWebSocket(this.meter))(this.url)
    ws.binaryType = 'nodebuffer'
    ws.on('open', () => (this.joined = true))
    ws.on('close', () => (this.joined = false))
    ws.on('message', (data: Buffer) => this.receive(data))
    this.ws = ws
  }

  goOffline(): void {
    this.joined = false
    this.ws?.close()
    this.ws = null
  }

  destroy(): void {
    this.goOffline()
  }
}

/** The bare Socket.IO relay (`bench/servers/sio-relay.ts`): `join` a room, `update` to relay. */
export const sioRelayClients: ServerClients = {
  kind: 'sio-relay',
  keepsState: false,
  async createRoom(_url, index) {
    return { name: `room-${index}`, token: '' }
  },
  connect: (url, room, doc, options) => new SocketIoRelayClient(url, room, doc, options),
}

/** The same relay with our single-frame parser on both ends (`bench/servers/sio-relay-1f.ts`). */
export const sioSingleFrameRelayClients: ServerClients = {
  ...sioRelayClients,
  kind: 'sio-relay-1f',
  connect: (url, room, doc, options) => new SocketIoRelayClient(url, room, doc, options, singleFrameParser),
}

/** The bare ws relay (`bench/servers/ws-relay.ts`): the URL path is the room. */
export const wsRelayClients: ServerClients = {
  kind: 'ws-relay',
  keepsState: false,
  async createRoom(_url, index) {
    return { name: `room-${index}`, token: '' }
  },
  connect: (url, room, doc, options) => new WsRelayClient(`${url.replace(/^http/, 'ws')}/${room.name}`, doc, options),
}
