// @y/websocket-server 0.1.1 as its own bin runs it (src/server.js), on a free port, no
// persistence, with the `ws` it depends on (6.x, in its own node_modules), not the project's.
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { setupWSConnection } from '@y/websocket-server/utils'
import type { WebSocketServer } from 'ws'
import { announce, listen } from './announce.ts'

const requireFromPackage = createRequire(import.meta.resolve('@y/websocket-server/utils'))
const { Server } = requireFromPackage('ws') as { Server: typeof WebSocketServer }

const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' })
  response.end('okay')
})
const wss = new Server({ noServer: true })
wss.on('connection', setupWSConnection)
server.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request))
})
await listen(server)
announce(server)
