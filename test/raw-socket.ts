import { onTestFinished } from 'vitest'
import { io, type Socket } from 'socket.io-client'
import * as Y from 'yjs'
import { SINGLE_FRAME_QUERY, singleFrameParser } from '../shared/frame-parser.ts'
import { COLLAB_NAMESPACE, type JoinReply } from '../shared/protocol.ts'

/** A plain socket.io-client socket on `/collab`, for tests that speak the protocol by hand. */
export type RawSocket = Socket

export interface RawSocketOptions {
  identity?: string
  transports?: Array<'websocket' | 'polling'>
  extraHeaders?: Record<string, string>
  /** Speak the single-frame parser, as our own client does; by default Socket.IO's default parser (protocol v1). */
  singleFrame?: boolean
}

/** Connects a raw socket (closed when the test finishes). */
export async function rawSocket(url: string, options: RawSocketOptions = {}): Promise<RawSocket> {
  const socket = io(url + COLLAB_NAMESPACE, {
    ...(options.singleFrame ? { parser: singleFrameParser, query: SINGLE_FRAME_QUERY } : {}),
    transports: options.transports ?? ['websocket'],
    auth: options.identity ? { identity: options.identity } : {},
    reconnection: false,
    forceNew: true,
    extraHeaders: options.extraHeaders,
  })
  onTestFinished(() => {
    socket.disconnect()
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('connect_error', reject)
  })
  return socket
}

/** Emits and waits for the ack. */
export function request<T>(socket: RawSocket, event: string, ...args: unknown[]): Promise<T> {
  return socket.timeout(10_000).emitWithAck(event, ...args) as Promise<T>
}

/** Joins `name` with the doc's state vector and applies the reply to `doc`. */
export async function join(socket: RawSocket, name: string, token: string, doc = new Y.Doc()): Promise<{ reply: JoinReply; doc: Y.Doc }> {
  const reply = await request<JoinReply>(socket, 'join', name, token, Y.encodeStateVector(doc))
  if (reply.ok) Y.applyUpdate(doc, new Uint8Array(reply.update))
  return { reply, doc }
}

/** The update a local change to `doc` produces. */
export function captureUpdate(doc: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array {
  let captured: Uint8Array | null = null
  const listener = (update: Uint8Array) => (captured = captured ? Y.mergeUpdates([captured, update]) : update)
  doc.on('update', listener)
  change(doc)
  doc.off('update', listener)
  if (!captured) throw new Error('the change produced no update')
  return captured
}
