// y-socket.io 1.1.3 as its README sets it up: a Socket.IO server handed to YSocketIO.
import { createServer } from 'node:http'
import { Server } from 'socket.io'
import { YSocketIO } from 'y-socket.io/dist/server'
import { announce, listen } from './announce.ts'

const server = createServer()
const io = new Server(server, { serveClient: false, maxHttpBufferSize: 16 * 1024 * 1024 })
new YSocketIO(io, { gcEnabled: true }).initialize()
await listen(server)
announce(server, () => io.close())
