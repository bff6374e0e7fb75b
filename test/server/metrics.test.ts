import { describe, expect, it } from 'vitest'
import { io } from 'socket.io-client'
import { ADMIN_NAMESPACE, type OkReply } from '../../shared/protocol.ts'
import { combineSummaries } from '../../server/metrics.ts'
import { connectClient, startTestServer } from '../helpers.ts'
import { join, rawSocket, request } from '../raw-socket.ts'

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789'

function metricsText(url: string, token?: string) {
  return fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
}

/** The value of a sample line such as `collab_joins_total 3` or `collab_refused_events_total{code="forbidden"} 1`. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{') && l.includes('} '))
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN
}

describe('metrics', () => {
  it('does not exist without an admin token and refuses a wrong one', async () => {
    const plain = await startTestServer()
    expect((await metricsText(plain.url, ADMIN_TOKEN)).status).toBe(404)
    const guarded = await startTestServer({ adminToken: ADMIN_TOKEN })
    expect((await metricsText(guarded.url)).status).toBe(403)
    expect((await metricsText(guarded.url, 'wrong-token-wrong-token')).status).toBe(403)
  })

  it('counts joins, updates, bytes, refusals, sockets and documents', async () => {
    const server = await startTestServer({ adminToken: ADMIN_TOKEN })
    const { id, tokens } = await server.createDocument()
    const a = connectClient(server.url, id, tokens.editor)
    const b = connectClient(server.url, id, tokens.editor)
    await Promise.all([a.whenSynced(), b.whenSynced()])
    a.doc.getText('title').insert(0, 'counted')
    await a.whenSaved()
    const viewer = await rawSocket(server.url)
    await join(viewer, id, tokens.viewer)
    expect(await request<OkReply>(viewer, 'update', id, new Uint8Array([0, 0]))).toMatchObject({ code: 'forbidden' })

    const response = await metricsText(server.url, ADMIN_TOKEN)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await response.text()
    expect(sample(text, 'collab_joins_total')).toBe(3)
    expect(sample(text, 'collab_updates_received_total')).toBeGreaterThanOrEqual(1)
    expect(sample(text, 'collab_update_bytes_received_total')).toBeGreaterThan(0)
    expect(sample(text, 'collab_updates_sent_total')).toBe(1) // to b; the viewer came later
    expect(text).toContain('collab_refused_events_total{code="forbidden"} 1')
    expect(sample(text, 'collab_connected_sockets')).toBe(3)
    expect(sample(text, 'collab_loaded_documents')).toBe(1)
    expect(sample(text, 'collab_update_ack_seconds_count')).toBeGreaterThanOrEqual(1)
    expect(text).toContain('collab_store_seconds_count{operation="appendUpdate"}')
    expect(text).not.toContain(tokens.editor)
  })

  it('streams the figures to admin sockets and refuses others', async () => {
    const server = await startTestServer({ adminToken: ADMIN_TOKEN })
    const intruder = io(server.url + ADMIN_NAMESPACE, { auth: { token: 'nope' }, transports: ['websocket'], reconnection: false })
    const refused = new Promise<void>((resolve, reject) => {
      intruder.on('connect', () => resolve())
      intruder.on('connect_error', reject)
    })
    await expect(refused).rejects.toThrow(/admin token/)
    const admin = io(server.url + ADMIN_NAMESPACE, { auth: { token: ADMIN_TOKEN }, transports: ['websocket'], reconnection: false })
    try {
      const figures = await new Promise<Record<string, number>>((resolve) => admin.once('metrics', resolve))
      expect(figures).toMatchObject({ collab_connected_sockets: 0, collab_loaded_documents: 0, collab_nodes: 1 })
      // Store timings carry an operation label; the summary adds them all up.
      const doc = await server.createDocument()
      const client = connectClient(server.url, doc.id, doc.tokens.editor)
      await client.whenSynced()
      client.doc.getText('title').insert(0, 'x')
      await client.whenSaved()
      const later = await new Promise<Record<string, number>>((resolve) => admin.once('metrics', resolve))
      expect(later.collab_store_seconds_count).toBeGreaterThanOrEqual(3) // createDocument, getDocument, loadContent, appendUpdate...
      expect(typeof figures.at).toBe('number')
    } finally {
      admin.disconnect()
      intruder.disconnect()
    }
  })

  it('adds several nodes’ summaries up, weighting means by their counts', () => {
    const combined = combineSummaries([
      { collab_connected_sockets: 3, collab_update_ack_seconds_count: 10, collab_update_ack_seconds_mean: 0.002 },
      { collab_connected_sockets: 4, collab_update_ack_seconds_count: 30, collab_update_ack_seconds_mean: 0.006 },
      { collab_connected_sockets: 1, collab_update_ack_seconds_count: 0, collab_update_ack_seconds_mean: 0 },
    ])
    expect(combined.collab_connected_sockets).toBe(8)
    expect(combined.collab_update_ack_seconds_count).toBe(40)
    expect(combined.collab_update_ack_seconds_mean).toBeCloseTo(0.005, 9)
    expect(combineSummaries([{ collab_update_ack_seconds_count: 0, collab_update_ack_seconds_mean: 0 }]).collab_update_ack_seconds_mean).toBe(0)
  })
})
