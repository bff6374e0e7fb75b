import { existsSync, writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import type { Role } from '../../shared/protocol.ts'
import { startServer, type RunningServer } from '../../server/server.ts'
import { buildWebAppIfStale, createWebApp } from '../../server/web-app.ts'
import { createDocument } from '../helpers.ts'

/** Debian's Chromium; Playwright's own browser downloads are not available here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/** Without the networking flags Chromium keeps reaching for Google's services, which this network refuses. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Whether the browser suites can run; in CI a missing Chromium is a failure, not a skip. */
export const hasChromium = existsSync(CHROMIUM)
if (!hasChromium) {
  if (process.env.CI === 'true') throw new Error(`the browser tests need Chromium at ${CHROMIUM} (apt-get install -y chromium)`)
  noteOnce(`Skipping the browser tests: no Chromium at ${CHROMIUM} (apt-get install -y chromium).`)
}

/** Prints a note once per test run, however many browser test files import this. */
function noteOnce(text: string): void {
  try {
    // Every worker of one vitest run has the same parent process.
    writeFileSync(join(tmpdir(), `collab-web-tests-note-${process.ppid}`), '', { flag: 'wx' })
    console.log(text)
  } catch {
    // Another file of this run already said it.
  }
}

/** Where screenshots go (gitignored). */
export const RESULTS_DIR = join(import.meta.dirname, '..', '..', 'test-results')

export interface WebSuite {
  readonly browser: Browser
  readonly server: RunningServer
  /** Creates a document; its share links are absolute URLs on the test server. */
  createDocument(): Promise<{ id: string; links: Record<Role, string> }>
  /** A fresh browser profile (its own localStorage and IndexedDB), with this display name already picked. */
  newContext(name?: string): Promise<BrowserContext>
  /** Opens a link in a new tab of `context` and waits until the editor is on screen. */
  openEditor(context: BrowserContext, link: string): Promise<Page>
  /** Saves a screenshot into test-results/ and returns its path. */
  screenshot(page: Page, name: string): Promise<string>
}

/**
 * One Chromium and one real server (port 0, temporary DATA_DIR, the built web app) for a test
 * file, torn down after it. Call inside a `describe.skipIf(!hasChromium)` block.
 */
export function useWebSuite(): WebSuite {
  let browser: Browser | undefined
  let server: RunningServer | undefined
  let dataDir: string | undefined
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    const [launched] = await Promise.all([chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }), buildWebAppIfStale()])
    browser = launched
    dataDir = await mkdtemp(join(tmpdir(), 'collab-web-test-'))
    server = await startServer({
      config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', unloadDelayMs: 0, createsPerMinute: 1000 },
      app: createWebApp(),
    })
  }, 120_000)

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close().catch(() => undefined)))
    await browser?.close()
    await server?.close()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  return {
    get browser() {
      return browser!
    },
    get server() {
      return server!
    },
    async createDocument() {
      const { id, links } = await createDocument(server!.url)
      const absolute = Object.fromEntries(Object.entries(links).map(([role, link]) => [role, server!.url + link])) as Record<Role, string>
      return { id, links: absolute }
    },
    async newContext(name) {
      const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } })
      contexts.push(context)
      if (name !== undefined) {
        await context.addInitScript((displayName) => {
          if (!localStorage.getItem('collab.displayName')) localStorage.setItem('collab.displayName', JSON.stringify(displayName))
        }, name)
      }
      return context
    },
    async openEditor(context, link) {
      const page = await context.newPage()
      await page.goto(link)
      await page.locator('.app--editor[data-ready] .ProseMirror').waitFor()
      return page
    },
    async screenshot(page, name) {
      await mkdir(RESULTS_DIR, { recursive: true })
      const path = join(RESULTS_DIR, `${name}.png`)
      await page.screenshot({ path })
      return path
    },
  }
}

/** The text of an element, without the name labels of remote carets drawn into it. */
export function textOf(locator: Locator): Promise<string> {
  return locator.evaluate((element) => {
    const copy = element.cloneNode(true) as Element
    for (const caret of copy.querySelectorAll('.remote-caret')) caret.remove()
    return copy.textContent ?? ''
  })
}

/** The document text, as people read it. */
export function editorText(page: Page): Promise<string> {
  return textOf(page.locator('.ProseMirror'))
}

/**
 * Waits until the document text (as `editorText` reads it) contains or equals `expected`.
 * A function, not a string: the app's CSP forbids evaluating strings in the page.
 */
export async function waitForEditorText(page: Page, expected: string, mode: 'contains' | 'equals' = 'contains'): Promise<void> {
  await page.waitForFunction(
    ({ text, how }) => {
      const copy = document.querySelector('.ProseMirror')?.cloneNode(true) as Element | undefined
      for (const caret of copy?.querySelectorAll('.remote-caret') ?? []) caret.remove()
      const content = copy?.textContent ?? ''
      return how === 'equals' ? content === text : content.includes(text)
    },
    { text: expected, how: mode },
    { timeout: 15_000 },
  )
}

/** Waits for the status indicator to show a state: saved, saving, connecting, reconnecting, offline. */
export async function waitForStatus(page: Page, state: string): Promise<void> {
  await page.locator(`.status[data-state="${state}"]`).waitFor({ timeout: 15_000 })
}

/** Puts the caret at the end of the document and types there, as a person would. */
export async function typeAtEnd(page: Page, text: string): Promise<void> {
  await page.locator('.ProseMirror').focus()
  await page.keyboard.press('Control+End')
  await page.keyboard.type(text)
}
