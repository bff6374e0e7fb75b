// The transport floor for Socket.IO: rooms and relayed binary events, no Yjs at all.
import { createServer } from 'node:http'
import { Server, type ServerOptions } from 'socket.io'
import { announce, listen } from './announce.ts'

/** Starts the relay with Socket.IO's default parser, or with `parser`. */
export async function startSocketIoRelay(parser?: ServerOptions['parser']): Promise<void> {
  const server = createServer()
  const io = new Server(server, { serveClient: false, maxHttpBufferSize: 16 * 1024 * 1024, ...(parser ? { parser } : {}) })
  io.on('connection', (socket) => {
    socket.on('join', (room: unknown, ack?: () => void) => {
      if (typeof room !== 'string') return
      void socket.join(room)
      if (typeof ack === 'function') ack()
    })
    socket.on('update', (room: unknown, update: unknown) => {
      if (typeof room === 'string' && update instanceof Uint8Array) socket.to(room).emit('update', room, update)
    })
  })
  await listen(server)
  announce(server, () => io.close())
}
