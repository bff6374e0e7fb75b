import type { ServerClients, ServerKind } from './client.ts'
import { hocuspocusClients } from './hocuspocus.ts'
import { oursClients } from './ours.ts'
import { sioRelayClients, sioSingleFrameRelayClients, wsRelayClients } from './relays.ts'
import { yWebsocketClients } from './y-websocket.ts'
import { ySocketIoClients } from './y-socket-io.ts'

/** The clients of each kind of server. */
export const CLIENTS: Record<ServerKind, ServerClients> = {
  ours: oursClients,
  'y-websocket': yWebsocketClients,
  hocuspocus: hocuspocusClients,
  'y-socket.io': ySocketIoClients,
  'sio-relay': sioRelayClients,
  'sio-relay-1f': sioSingleFrameRelayClients,
  'ws-relay': wsRelayClients,
}
