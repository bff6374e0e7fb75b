import { Awareness } from 'y-protocols/awareness'
import type { Manager } from 'socket.io-client'
import { SocketIOProvider } from 'y-socket.io'
import type { BenchClient, ServerClients } from './client.ts'
import { Meter, meterManager } from './meter.ts'

/** y-socket.io through its own `SocketIOProvider`, presence off, no BroadcastChannel. */
export const ySocketIoClients: ServerClients = {
  kind: 'y-socket.io',
  keepsState: true,

  async createRoom(_url, index) {
    return { name: `room-${index}`, token: '' }
  },

  connect(url, room, doc, options): BenchClient {
    const meter = new Meter()
    const awareness = new Awareness(doc)
    awareness.setLocalState(null)
    const provider = new SocketIOProvider(url, room.name, doc, { awareness, disableBc: true, autoConnect: false })
    // y-socket.io's types name socket.io-client's CommonJS build; it is the same Manager.
    meterManager(provider.socket.io as unknown as Manager, meter)
    if (!options.decode) {
      provider.socket.off('sync-update')
      provider.socket.on('sync-update', () => meter.skipped++)
    }
    provider.connect()
    return {
      doc,
      meter,
      synced: () => (provider.synced ? Promise.resolve() : new Promise((resolve) => provider.once('synced', () => resolve()))),
      goOffline: () => provider.disconnect(),
      goOnline: () => provider.connect(),
      destroy: () => provider.destroy(),
    }
  },
}
