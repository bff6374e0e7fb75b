import type * as Y from 'yjs'
import type { Meter } from './meter.ts'

/** The servers compared, ours first. */
export const SERVER_KINDS = ['ours', 'y-websocket', 'hocuspocus', 'y-socket.io', 'sio-relay', 'sio-relay-1f', 'ws-relay'] as const
export type ServerKind = (typeof SERVER_KINDS)[number]

/** One shared document (a room) on a server, and what it takes to open it. */
export interface Room {
  name: string
  /** The editor token (ours only; empty elsewhere). */
  token: string
}

export interface ClientOptions {
  /**
   * Apply what arrives to the doc. False keeps a load generator cheap: update messages are
   * counted (`meter.skipped`) and dropped, and the doc holds only this client's own edits.
   */
  decode: boolean
}

/** One client of one room, whatever the server; sends every local change of `doc`. */
export interface BenchClient {
  readonly doc: Y.Doc
  readonly meter: Meter
  /** Resolves once the first sync with the server is done (for a bare relay: once in the room). */
  synced(): Promise<void>
  /** Drops the connection, as when the network goes away; edits made meanwhile wait. */
  goOffline(): void
  /** Connects again and resyncs in the way the client does it. */
  goOnline(): void
  /** Calls `listener` whenever every local update so far is acknowledged as stored (ours only). */
  onSaved?(listener: () => void): void
  destroy(): void
}

/** How to reach one kind of server: create rooms and connect clients to them. */
export interface ServerClients {
  readonly kind: ServerKind
  /** Whether the server keeps the document (false for the bare relays, which only forward). */
  readonly keepsState: boolean
  createRoom(url: string, index: number): Promise<Room>
  connect(url: string, room: Room, doc: Y.Doc, options: ClientOptions): BenchClient
}

/** Resolves once `done()` is true (checked every `everyMs`), or rejects after `limitMs`. */
export function waitUntil(done: () => boolean, limitMs: number, what: string, everyMs = 5): Promise<void> {
  if (done()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const timer = setInterval(() => {
      if (done()) {
        clearInterval(timer)
        resolve()
      } else if (performance.now() - started > limitMs) {
        clearInterval(timer)
        reject(new Error(`timed out after ${limitMs} ms waiting for ${what}`))
      }
    }, everyMs)
  })
}
