import * as decoding from 'lib0/decoding'
import { Awareness } from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'
import type { BenchClient, ServerClients } from './client.ts'
import { Meter, meteredWebSocket } from './meter.ts'

/** y-websocket's message types: sync (its update subtype is 2). */
const MESSAGE_SYNC = 0
const SYNC_UPDATE = 2

/** Whether a y-websocket message carries a document update. */
export function isSyncUpdate(message: Uint8Array): boolean {
  const decoder = decoding.createDecoder(message)
  return decoding.readVarUint(decoder) === MESSAGE_SYNC && decoding.readVarUint(decoder) === SYNC_UPDATE
}

/** y-websocket's server through its own `WebsocketProvider`, presence off, no BroadcastChannel. */
export const yWebsocketClients: ServerClients = {
  kind: 'y-websocket',
  keepsState: true,

  async createRoom(_url, index) {
    return { name: `room-${index}`, token: '' }
  },

  connect(url, room, doc, options): BenchClient {
    const meter = new Meter()
    const awareness = new Awareness(doc)
    awareness.setLocalState(null)
    const provider = new WebsocketProvider(url.replace(/^http/, 'ws'), room.name, doc, {
      awareness,
      disableBc: true,
      WebSocketPolyfill: meteredWebSocket(meter, options.decode ? undefined : isSyncUpdate) as never,
    })
    return {
      doc,
      meter,
      synced: () => (provider.synced ? Promise.resolve() : new Promise((resolve) => provider.once('sync', () => resolve()))),
      goOffline: () => provider.disconnect(),
      goOnline: () => provider.connect(),
      destroy: () => {
        provider.destroy()
        awareness.destroy()
      },
    }
  },
}
