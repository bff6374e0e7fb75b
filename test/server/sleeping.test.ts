import { describe, expect, it } from 'vitest'
import type { Config } from '../../server/config.ts'
import { connectClient, startTestServer, untilConverged, type TestServer } from '../helpers.ts'

/** A server with `config`, a new doc on it, and an editor who has set (and saved) its title. */
async function docWithTitle(config: Partial<Config>, title: string) {
  const server = await startTestServer(config)
  const { id, tokens } = await server.createDocument()
  const a = connectClient(server.url, id, tokens.editor)
  await a.whenSynced()
  a.doc.getText('title').insert(0, title)
  await a.whenSaved()
  return { server, id, tokens, a }
}

/** Polls until the loaded doc `name` sleeps (or wakes, with `asleep = false`). */
async function untilSleeping(server: TestServer, name: string, asleep = true): Promise<void> {
  for (let waited = 0; waited < 5000; waited += 10) {
    if (server.registry.get(name)?.sleeping === asleep) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`doc ${name} did not ${asleep ? 'fall asleep' : 'wake'}`)
}

describe('sleeping documents', () => {
  it('free an unused doc, then serve joins and updates from where it was', async () => {
    const { server, id, tokens, a } = await docWithTitle({ sleepAfterMs: 50 }, 'Kept while asleep')
    await untilSleeping(server, id)

    // A join is answered from the sleeping doc's encoded content, without waking it.
    const b = connectClient(server.url, id, tokens.editor)
    await b.whenSynced()
    expect(b.doc.getText('title').toString()).toBe('Kept while asleep')
    expect(server.registry.get(id)!.sleeping).toBe(true)

    // An update wakes it; everyone gets it, and it is stored.
    a.doc.getText('title').insert(0, 'Woken. ')
    await a.whenSaved()
    await untilConverged([a.doc, b.doc])
    expect(b.doc.getText('title').toString()).toBe('Woken. Kept while asleep')
    expect(server.registry.get(id)!.doc.getText('title').toString()).toBe('Woken. Kept while asleep')

    await untilSleeping(server, id)
    a.destroy()
    b.destroy()
    await server.close()
    const again = await startTestServer({}, server.dataDir)
    const c = connectClient(again.url, id, tokens.viewer)
    await c.whenSynced()
    expect(c.doc.getText('title').toString()).toBe('Woken. Kept while asleep')
  })

  it('store the title when falling asleep, and are counted and read without waking', async () => {
    const adminToken = 'admin-token-for-tests-0123456789'
    const { server, id, tokens } = await docWithTitle({ sleepAfterMs: 50, adminToken }, 'Minutes')
    await untilSleeping(server, id)

    const info = await fetch(`${server.url}/api/docs/${id}`, { headers: { authorization: `Bearer ${tokens.viewer}` } })
    expect(((await info.json()) as { title: string }).title).toBe('Minutes')
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text()
    expect(metrics).toMatch(/^collab_sleeping_documents 1$/m)
    expect(server.registry.get(id)!.sleeping).toBe(true)
  })

  it('keep a doc awake while it is in use', async () => {
    // The sweep stays out of the way (a minute); the test asks the doc itself, at chosen times.
    const { server, id } = await docWithTitle({ sleepAfterMs: 60_000 }, 'in use')
    const document = server.registry.get(id)!
    expect(document.sleepIfQuiet(1000)).toBe(false) // just changed
    expect(document.sleeping).toBe(false)
    expect(document.sleepIfQuiet(1000, Date.now() + 1500)).toBe(true) // unused for 1.5 s
    expect(document.sleeping).toBe(true)
  })
})
