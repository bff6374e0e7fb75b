import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../server/server.ts'
import { createWebApp } from '../../server/web-app.ts'
import { connectClient, createDocument } from '../helpers.ts'
import { hasChromium, useWebSuite } from './browser.ts'

const ADMIN_TOKEN = 'admin-token-for-browser-tests-0123'

function figure(page: Page, name: string) {
  return page.locator(`.admin-card[data-figure="${name}"] .admin-card__value`)
}

/** Waits until a figure card's value reads like `pattern`. */
function waitForFigure(page: Page, name: string, pattern: RegExp): Promise<void> {
  return figure(page, name).filter({ hasText: pattern }).waitFor({ timeout: 15_000 })
}

/** How many intervals the chart has drawn (one more with each sample the server sends). */
async function chartPoints(page: Page): Promise<number> {
  return Number(await page.locator('.admin-chart__canvas').getAttribute('data-points'))
}

async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/admin`)
  await page.getByLabel('Admin token').fill(token)
  await page.getByRole('button', { name: 'Show figures' }).click()
}

describe.skipIf(!hasChromium)('the admin page', { timeout: 90_000 }, () => {
  // The suite's own server runs without an admin token; this one has one.
  const suite = useWebSuite()
  let server: RunningServer | undefined
  let dataDir: string | undefined

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'collab-admin-test-'))
    server = await startServer({
      config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', unloadDelayMs: 0, adminToken: ADMIN_TOKEN },
      app: createWebApp(),
    })
  })

  afterAll(async () => {
    await server?.close()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it('asks again, saying why, when the token is wrong', async () => {
    const page = await (await suite.newContext()).newPage()
    await signIn(page, server!.url, 'not-the-admin-token-at-all')
    await page.getByRole('alert').filter({ hasText: 'did not accept this token' }).waitFor()
    expect(await page.getByLabel('Admin token').getAttribute('aria-invalid')).toBe('true')
    expect(await page.getByLabel('Admin token').inputValue()).toBe('')
    expect(await page.evaluate(() => sessionStorage.getItem('collab.adminToken'))).toBeNull()
  })

  it('shows live figures that follow what clients do, and a chart of them', async () => {
    const page = await (await suite.newContext()).newPage()
    await signIn(page, server!.url, ADMIN_TOKEN)
    await page.locator('.app--admin[data-state="live"]').waitFor()
    expect(page.url()).toBe(`${server!.url}/admin`)
    await waitForFigure(page, 'sockets', /^0$/)

    const { id, tokens } = await createDocument(server!.url)
    const writer = connectClient(server!.url, id, tokens.editor)
    // Two readers, so every update goes out twice and the chart's two lines part.
    const readers = [connectClient(server!.url, id, tokens.viewer), connectClient(server!.url, id, tokens.viewer)]
    await Promise.all([writer, ...readers].map((client) => client.whenSynced()))
    await waitForFigure(page, 'sockets', /^3$/)
    await waitForFigure(page, 'documents', /^1$/)

    // Someone types in bursts of different sizes, one burst per sample the page receives.
    for (const burst of [3, 8, 5, 12, 9, 16, 11, 6]) {
      for (let edit = 0; edit < burst; edit++) {
        writer.doc.getText('title').insert(0, String(edit))
        await writer.whenSaved()
      }
      const drawn = await chartPoints(page)
      await page.waitForFunction((before) => Number(document.querySelector<HTMLElement>('.admin-chart__canvas')?.dataset.points) > before, drawn, { timeout: 15_000 })
      // The sample after a burst covers its last edits: a rate above zero, bytes, a latency.
      await waitForFigure(page, 'updates-in', /^(?!0\/s)[\d.]+\/s$/)
      await waitForFigure(page, 'updates-out', /^(?!0\/s)[\d.]+\/s$/)
      await waitForFigure(page, 'bytes-in', /^(?!0 B)[\d.]+ k?B\/s$/)
      await waitForFigure(page, 'ack', /^[\d.]+ ms$/)
    }
    const received = await page.locator('.admin-card[data-figure="updates-in"] .admin-card__detail').innerText()
    expect(Number(/^(\d+) since start$/.exec(received)?.[1])).toBeGreaterThanOrEqual(70)
    const sent = await page.locator('.admin-card[data-figure="updates-out"] .admin-card__detail').innerText()
    expect(Number(/^(\d+) since start$/.exec(sent)?.[1])).toBeGreaterThanOrEqual(140)
    expect(await figure(page, 'joins').innerText()).toBe('3')
    expect(await figure(page, 'store-failures').innerText()).toBe('0')
    expect(await figure(page, 'refused').innerText()).toBe('0')
    expect(await chartPoints(page)).toBeGreaterThanOrEqual(8)
    // Tall enough for the whole page, chart included.
    await page.setViewportSize({ width: 1280, height: 1000 })
    await suite.screenshot(page, 'admin')

    // The token is remembered by this tab only: a reload goes straight back to the figures.
    expect(await page.evaluate(() => sessionStorage.getItem('collab.adminToken'))).toBe(ADMIN_TOKEN)
    await page.reload()
    await page.locator('.app--admin[data-state="live"]').waitFor()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Admin token').waitFor()
    expect(await page.evaluate(() => sessionStorage.getItem('collab.adminToken'))).toBeNull()
  })

  it('says reconnecting when the server goes away, keeping the last figures', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'collab-admin-test-'))
    const doomed = await startServer({ config: { port: 0, host: '127.0.0.1', dataDir: dir, logLevel: 'silent', adminToken: ADMIN_TOKEN }, app: createWebApp() })
    try {
      const page = await (await suite.newContext()).newPage()
      await signIn(page, doomed.url, ADMIN_TOKEN)
      await waitForFigure(page, 'sockets', /^0$/)
      await doomed.close()
      await page.locator('.app--admin[data-state="reconnecting"]').waitFor()
      expect(await page.locator('.status').innerText()).toContain('Reconnecting')
      expect(await figure(page, 'sockets').innerText()).toBe('0')
    } finally {
      await doomed.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('explains that the admin view is off on a server without an admin token', async () => {
    const page = await (await suite.newContext()).newPage()
    await signIn(page, suite.server.url, ADMIN_TOKEN)
    await page.getByRole('heading', { name: 'The admin view is off on this server' }).waitFor()
    expect(await page.getByRole('link', { name: 'Try again' }).getAttribute('href')).toBe('/admin')
  })
})
