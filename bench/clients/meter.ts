import type { Manager } from 'socket.io-client'
import WebSocket from 'ws'

/**
 * What one client put on and took off the wire, counted at the socket level: WebSocket message
 * payloads (every Engine.IO packet is one message), without frame headers or the HTTP upgrade.
 */
export class Meter {
  /** Payload bytes sent. */
  sent = 0
  /** Payload bytes received. */
  received = 0
  /** Document update messages that arrived and were counted but not decoded. */
  skipped = 0

  reset(): void {
    this.sent = 0
    this.received = 0
    this.skipped = 0
  }
}

/** Size on the wire of a WebSocket message payload. */
export function payloadBytes(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data)
  if (data instanceof ArrayBuffer) return data.byteLength
  if (ArrayBuffer.isView(data)) return data.byteLength
  if (Array.isArray(data)) return data.reduce((sum: number, part) => sum + payloadBytes(part), 0)
  return 0
}

/**
 * Counts every Engine.IO packet of a Socket.IO client connection, on every (re)connection.
 * Over WebSocket a string packet travels as its type digit plus the string, a binary one as is.
 */
export function meterManager(manager: Manager, meter: Meter): void {
  const size = (packet: { data?: unknown }) => (typeof packet.data === 'string' || packet.data === undefined ? 1 : 0) + payloadBytes(packet.data)
  manager.on('open', () => {
    manager.engine.on('packetCreate', (packet) => (meter.sent += size(packet)))
    manager.engine.on('packet', (packet) => (meter.received += size(packet)))
  })
}

/** A client-side WebSocket class, as providers' `WebSocketPolyfill` options take it. */
export type WebSocketClass = new (address: string | URL, protocols?: string | string[]) => WebSocket

/**
 * A `ws` WebSocket class that counts message payloads into `meter`. Messages for which `skip`
 * is true are counted (as `skipped`) and never reach the client's handlers, so a load
 * generator can take updates off the wire without decoding them.
 */
export function meteredWebSocket(meter: Meter, skip?: (message: Uint8Array) => boolean): WebSocketClass {
  return class MeteredWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols)
      const send = this.send.bind(this) as (data: unknown, ...rest: unknown[]) => void
      this.send = ((data: unknown, ...rest: unknown[]) => {
        meter.sent += payloadBytes(data)
        send(data, ...rest)
      }) as WebSocket['send']
    }

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'message') {
        const data = args[0]
        meter.received += payloadBytes(data)
        if (skip && skip(toBytes(data))) {
          meter.skipped++
          return true
        }
      }
      return super.emit(event, ...args)
    }
  }
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[])
  return new Uint8Array(0)
}
