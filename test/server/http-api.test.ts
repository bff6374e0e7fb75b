import { describe, expect, it, onTestFinished } from 'vitest'
import { ROLES, type JoinReply, type OkReply, type RotateLinkResponse } from '../../shared/protocol.ts'
import { createLogger } from '../../server/logger.ts'
import { startServer } from '../../server/server.ts'
import { openFileStore } from '../../server/store/file-store.ts'
import type { Store } from '../../server/store/store.ts'
import { connectClient, createDocument, nextEvent, startTestServer, tempDir, tokenOf, until } from '../helpers.ts'
import { captureUpdate, join, rawSocket, request } from '../raw-socket.ts'

function get(url: string, token?: string) {
  return fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} })
}

function rotate(url: string, id: string, role: string, token: string) {
  return fetch(`${url}/api/docs/${id}/links/${role}/rotate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
}

describe('HTTP API', () => {
  it('creates a document with one distinct link per role, the token in the fragment', async () => {
    const server = await startTestServer()
    const response = await fetch(`${server.url}/api/docs`, { method: 'POST' })
    expect(response.status).toBe(201)
    const body = (await response.json()) as { id: string; links: Record<string, string> }
    expect(body.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/)
    expect(Object.keys(body.links).sort()).toEqual([...ROLES].sort())
    const tokens = Object.values(body.links).map(tokenOf)
    expect(new Set(tokens).size).toBe(4)
    for (const [role, link] of Object.entries(body.links)) {
      expect(link, role).toMatch(new RegExp(`^/d/${body.id}#token=[A-Za-z0-9_-]{22,}$`))
    }
  })

  it('tells a token holder the title and role, and nobody else anything', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    for (const role of ROLES) {
      const response = await get(`${server.url}/api/docs/${id}`, tokens[role])
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ id, title: '', role })
    }
    expect((await get(`${server.url}/api/docs/${id}`)).status).toBe(403)
    expect((await get(`${server.url}/api/docs/${id}`, 'not-a-token')).status).toBe(403)
    expect((await get(`${server.url}/api/docs/nope`, tokens.owner)).status).toBe(404)
    expect((await get(`${server.url}/api/docs/..%2f..%2fetc`, tokens.owner)).status).toBe(404)
  })

  it('answers bad bodies and unknown routes with a JSON error', async () => {
    const server = await startTestServer()
    const notJson = await fetch(`${server.url}/api/docs`, { method: 'POST', body: '{nope' })
    expect(notJson.status).toBe(400)
    expect(await notJson.json()).toMatchObject({ error: { code: 'bad-request' } })
    expect((await fetch(`${server.url}/api/docs`, { method: 'POST', body: '[1,2]' })).status).toBe(400)
    expect((await fetch(`${server.url}/api/docs`, { method: 'POST', body: 'x'.repeat(100_000) })).status).toBe(413)
    expect((await fetch(`${server.url}/api/nothing`)).status).toBe(404)
    expect((await fetch(`${server.url}/api/docs`, { method: 'DELETE' })).status).toBe(404)
  })

  it('rate-limits document creation per client address', async () => {
    const server = await startTestServer({ createsPerMinute: 3 })
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${server.url}/api/docs`, { method: 'POST' })).status)
    expect(statuses).toEqual([201, 201, 201, 429, 429])
  })

  it('counts creations per forwarded address only when told to trust the proxy', async () => {
    const create = (url: string, forwardedFor: string) => fetch(`${url}/api/docs`, { method: 'POST', headers: { 'x-forwarded-for': forwardedFor } })
    const proxied = await startTestServer({ createsPerMinute: 1, trustProxy: true })
    expect((await create(proxied.url, '203.0.113.1')).status).toBe(201)
    expect((await create(proxied.url, '203.0.113.2, 10.0.0.1')).status).toBe(201)
    expect((await create(proxied.url, '203.0.113.1')).status).toBe(429)
    const direct = await startTestServer({ createsPerMinute: 1 })
    expect((await create(direct.url, '203.0.113.1')).status).toBe(201)
    expect((await create(direct.url, '203.0.113.2')).status).toBe(429)
  })

  it('reports health while storage is writable', async () => {
    const server = await startTestServer()
    const response = await fetch(`${server.url}/healthz`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true })
  })
})

describe('link rotation', () => {
  it('lets only the owner rotate a link', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    expect((await rotate(server.url, id, 'viewer', tokens.editor)).status).toBe(403)
    expect((await rotate(server.url, id, 'admin', tokens.owner)).status).toBe(404)
    expect((await rotate(server.url, 'nope', 'viewer', tokens.owner)).status).toBe(404)
  })

  it('cuts off every socket that joined with the old link, at once, and only those', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const editor = connectClient(server.url, id, tokens.editor)
    const commenterOnComments = connectClient(server.url, `${id}/comments`, tokens.editor, { awareness: null })
    const viewer = connectClient(server.url, id, tokens.viewer)
    await Promise.all([editor.whenSynced(), commenterOnComments.whenSynced(), viewer.whenSynced()])
    editor.awareness!.setLocalStateField('user', { name: 'Soon gone', color: '#123456' })
    await until(() => viewer.awareness!.getStates().has(editor.doc.clientID), [[viewer.awareness!, ['change']]], 'presence')

    const revoked = nextEvent(editor, 'revoked')
    const revokedComments = nextEvent(commenterOnComments, 'revoked')
    const response = await rotate(server.url, id, 'editor', tokens.owner)
    expect(response.status).toBe(200)
    const { link } = (await response.json()) as RotateLinkResponse
    await Promise.all([revoked, revokedComments])
    expect(editor.status).toBe('disconnected')
    await until(() => !viewer.awareness!.getStates().has(editor.doc.clientID), [[viewer.awareness!, ['change']]], 'presence to go')
    expect(viewer.revoked).toBeNull()

    // The old token is dead for joins and for HTTP; the new one works.
    const socket = await rawSocket(server.url)
    expect((await join(socket, id, tokens.editor)).reply).toMatchObject({ ok: false, code: 'forbidden' })
    expect((await get(`${server.url}/api/docs/${id}`, tokens.editor)).status).toBe(403)
    const { reply, doc } = await join(socket, id, tokenOf(link))
    expect(reply).toMatchObject({ ok: true, role: 'editor' })
    const update = captureUpdate(doc, (d) => d.getText('title').insert(0, 'new link'))
    expect(await request<OkReply>(socket, 'update', id, update)).toEqual({ ok: true })
  })

  it('refuses a join whose link was rotated while the document was loading', async () => {
    const dataDir = await tempDir()
    const store = await openFileStore({ dataDir, logger: createLogger('silent') })
    // The real store, except that loading a document waits for the test's go-ahead.
    let releaseLoad = () => {}
    const loadGate = new Promise<void>((resolve) => (releaseLoad = resolve))
    const slowStore: Store = Object.create(store)
    slowStore.loadContent = async (name) => {
      await loadGate
      return store.loadContent(name)
    }
    const server = await startServer({ config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', unloadDelayMs: 0 }, store: slowStore })
    onTestFinished(() => server.close())
    const { id, tokens } = await createDocument(server.url)
    const socket = await rawSocket(server.url)
    const joining = request<JoinReply>(socket, 'join', id, tokens.editor, new Uint8Array([0]))
    await new Promise((resolve) => setTimeout(resolve, 50)) // the join is now waiting for the load
    expect((await rotate(server.url, id, 'editor', tokens.owner)).status).toBe(200)
    releaseLoad()
    expect(await joining).toMatchObject({ ok: false, code: 'forbidden' })
    expect(server.registry.get(id)?.clients.size ?? 0).toBe(0)
  })

  it('makes a revoked socket’s further updates fail with forbidden', async () => {
    const server = await startTestServer()
    const { id, tokens } = await server.createDocument()
    const socket = await rawSocket(server.url)
    const { doc } = await join(socket, id, tokens.editor)
    const revoked = new Promise((resolve) => socket.once('revoked', (...args: unknown[]) => resolve(args)))
    await rotate(server.url, id, 'editor', tokens.owner)
    expect(await revoked).toEqual([id, expect.objectContaining({ code: 'forbidden' })])
    const update = captureUpdate(doc, (d) => d.getText('title').insert(0, 'too late'))
    expect(await request<OkReply>(socket, 'update', id, update)).toMatchObject({ ok: false, code: 'forbidden' })
    expect(server.registry.get(id)?.doc.getText('title').toString() ?? '').toBe('')
  })
})
