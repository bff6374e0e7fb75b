// The bare Socket.IO relay with Socket.IO's default parser (two WebSocket frames per binary event).
import { startSocketIoRelay } from './socket-io-relay.ts'

await startSocketIoRelay()
