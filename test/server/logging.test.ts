import { Writable } from 'node:stream'
import { pino } from 'pino'
import { describe, expect, it, onTestFinished } from 'vitest'
import { newIdentitySecret } from '../../shared/identity.ts'
import type { OkReply } from '../../shared/protocol.ts'
import { startServer } from '../../server/server.ts'
import { createDocument, tempDir, tokenOf } from '../helpers.ts'
import { join, rawSocket, request } from '../raw-socket.ts'

describe('logs', () => {
  it('never contain a token or an identity secret, whatever happens', async () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'))
        done()
      },
    })
    const server = await startServer({
      config: { port: 0, host: '127.0.0.1', dataDir: await tempDir(), unloadDelayMs: 0 },
      logger: pino({ level: 'trace' }, sink),
    })
    onTestFinished(() => server.close())
    const { id, tokens } = await createDocument(server.url)
    const secret = newIdentitySecret()
    const socket = await rawSocket(server.url, { identity: secret })
    await join(socket, id, tokens.editor)
    await join(socket, id, `${tokens.editor}x`) // a wrong token is logged as a refusal
    await request<OkReply>(socket, 'update', id, new Uint8Array([1, 2, 3]))
    await fetch(`${server.url}/api/docs/${id}`, { headers: { authorization: `Bearer ${tokens.viewer}` } })
    const rotated = await fetch(`${server.url}/api/docs/${id}/links/editor/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.owner}` },
    })
    const newToken = tokenOf(((await rotated.json()) as { link: string }).link)
    await server.close()

    const log = lines.join('')
    expect(log).toContain('link rotated') // the log did record what happened
    for (const secretValue of [...Object.values(tokens), newToken, secret]) expect(log).not.toContain(secretValue)
  })
})
