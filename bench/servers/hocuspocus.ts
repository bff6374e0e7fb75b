// @hocuspocus/server 3.4.4 with its defaults (no extensions, so nothing is stored).
import { Server } from '@hocuspocus/server'
import { announce } from './announce.ts'

const server = new Server({ port: 0, address: '127.0.0.1', quiet: true, stopOnSignals: false })
await server.listen()
announce(server.httpServer, () => server.destroy())
