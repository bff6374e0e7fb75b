import * as decoding from 'lib0/decoding'
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import type { BenchClient, ServerClients } from './client.ts'
import { Meter, meteredWebSocket } from './meter.ts'

/** Hocuspocus messages start with the doc name, then the type (sync = 0; its update subtype is 2). */
function isSyncUpdate(message: Uint8Array): boolean {
  const decoder = decoding.createDecoder(message)
  decoding.readVarString(decoder)
  return decoding.readVarUint(decoder) === 0 && decoding.readVarUint(decoder) === 2
}

/** Hocuspocus through its own `HocuspocusProvider`, one WebSocket per provider, presence off. */
export const hocuspocusClients: ServerClients = {
  kind: 'hocuspocus',
  keepsState: true,

  async createRoom(_url, index) {
    return { name: `room-${index}`, token: '' }
  },

  connect(url, room, doc, options): BenchClient {
    const meter = new Meter()
    let synced = false
    const socket = new HocuspocusProviderWebsocket({
      url: url.replace(/^http/, 'ws'),
      WebSocketPolyfill: meteredWebSocket(meter, options.decode ? undefined : isSyncUpdate),
    })
    const provider = new HocuspocusProvider({
      websocketProvider: socket,
      name: room.name,
      document: doc,
      awareness: null,
      onSynced: () => (synced = true),
    })
    provider.attach()
    return {
      doc,
      meter,
      synced: () => (synced ? Promise.resolve() : new Promise((resolve) => provider.on('synced', () => resolve()))),
      goOffline: () => socket.disconnect(),
      goOnline: () => void socket.connect(),
      destroy: () => {
        provider.destroy()
        socket.destroy()
      },
    }
  },
}
