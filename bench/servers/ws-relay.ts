// The transport floor for raw WebSocket: one room per URL path, every binary message relayed to
// the rest of the room, no Yjs at all.
import { createServer } from 'node:http'
import { WebSocketServer, type WebSocket } from 'ws'
import { announce, listen } from './announce.ts'

const server = createServer()
const wss = new WebSocketServer({ server, maxPayload: 16 * 1024 * 1024 })
const rooms = new Map<string, Set<WebSocket>>()
wss.on('connection', (ws, request) => {
  const name = request.url ?? '/'
  let room = rooms.get(name)
  if (!room) rooms.set(name, (room = new Set()))
  room.add(ws)
  ws.on('message', (data, isBinary) => {
    for (const other of room) if (other !== ws) other.send(data, { binary: isBinary })
  })
  ws.on('close', () => {
    room.delete(ws)
    if (room.size === 0) rooms.delete(name)
  })
})
await listen(server)
announce(server, () => new Promise((resolve) => wss.close(() => server.close(resolve))))
