import type * as Y from 'yjs'
import { CollabConnection } from '../../shared/connection.ts'
import { CollabProvider } from '../../shared/provider.ts'
import type { CreateDocumentResponse } from '../../shared/protocol.ts'
import type { BenchClient, ClientOptions, Room, ServerClients } from './client.ts'
import { Meter, meterManager } from './meter.ts'

/** Our provider, except that it only counts the updates the server relays. */
class CountingProvider extends CollabProvider {
  constructor(
    url: string,
    name: string,
    doc: Y.Doc,
    options: ConstructorParameters<typeof CollabProvider>[3],
    private readonly meter: Meter,
  ) {
    super(url, name, doc, options)
  }

  override onUpdate(): void {
    this.meter.skipped++
  }
}

/** Our server through our own client (`CollabProvider`), one connection per client. */
export const oursClients: ServerClients = {
  kind: 'ours',
  keepsState: true,

  async createRoom(url) {
    const response = await fetch(`${url}/api/docs`, { method: 'POST' })
    if (response.status !== 201) throw new Error(`POST /api/docs answered ${response.status}: ${await response.text()}`)
    const { id, links } = (await response.json()) as CreateDocumentResponse
    return { name: id, token: new URLSearchParams(links.editor.split('#')[1]).get('token') ?? '' }
  },

  connect(url, room: Room, doc, options: ClientOptions): BenchClient {
    const meter = new Meter()
    const connection = new CollabConnection(url, { socketOptions: { forceNew: true } })
    meterManager(connection.socket.io, meter)
    const providerOptions = { token: room.token, connection, awareness: null }
    const provider = options.decode
      ? new CollabProvider(url, room.name, doc, providerOptions)
      : new CountingProvider(url, room.name, doc, providerOptions, meter)
    return {
      doc,
      meter,
      synced: () => provider.whenSynced(),
      // The connection drops under the provider, which stays wanted: that is a network loss.
      goOffline: () => connection.socket.disconnect(),
      goOnline: () => connection.socket.connect(),
      onSaved: (listener) => provider.on('unsaved', (count) => count === 0 && listener()),
      destroy: () => {
        provider.destroy()
        connection.close()
      },
    }
  },
}
