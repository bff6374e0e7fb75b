import { describe, expect, it } from 'vitest'
import { startChildServer } from '../child-server.ts'
import { connectClient, createDocument, tempDir } from '../helpers.ts'

describe('npm start (server/main.ts)', () => {
  it('stores everything and exits cleanly on SIGTERM', async () => {
    const dataDir = await tempDir()
    const first = await startChildServer(dataDir)
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const { id, tokens } = await createDocument(first.url)
    const writer = connectClient(first.url, id, tokens.editor)
    await writer.whenSynced()
    writer.doc.getText('title').insert(0, 'Before the signal')
    await writer.whenSaved()
    expect(await first.kill('SIGTERM')).toEqual({ code: 0, signal: null })
    writer.destroy()

    const second = await startChildServer(dataDir)
    const reader = connectClient(second.url, id, tokens.viewer)
    await reader.whenSynced()
    expect(reader.doc.getText('title').toString()).toBe('Before the signal')
    expect(await second.kill('SIGINT')).toEqual({ code: 0, signal: null })
  })

  it('refuses to start a second process on the same DATA_DIR, saying why', async () => {
    const dataDir = await tempDir()
    const running = await startChildServer(dataDir)
    await expect(startChildServer(dataDir)).rejects.toThrow(/in use by another server process/)
    const response = await fetch(`${running.url}/healthz`)
    expect(response.status).toBe(200)
  })

  it('refuses a bad configuration value, naming it', async () => {
    const dataDir = await tempDir()
    await expect(startChildServer(dataDir, { env: { MAX_UPDATE_BYTES: 'lots' } })).rejects.toThrow(/MAX_UPDATE_BYTES/)
  })
})
