import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import * as Y from 'yjs'
import { CollabConnection } from '../shared/connection.ts'
import { CollabProvider, type ProviderOptions } from '../shared/provider.ts'
import type { CreateDocumentResponse, Role } from '../shared/protocol.ts'
import type { Config } from '../server/config.ts'
import { startServer, type RunningServer } from '../server/server.ts'

export interface TestServer extends RunningServer {
  dataDir: string
  /** Creates a document over HTTP; returns its id and one token per role. */
  createDocument(): Promise<{ id: string; tokens: Record<Role, string>; links: Record<Role, string> }>
}

/** A fresh temporary directory, removed when the test finishes. */
export async function tempDir(prefix = 'collab-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Starts a real server on an ephemeral port with its own data dir; it is closed when the test finishes. */
export async function startTestServer(config: Partial<Config> = {}, dataDir?: string): Promise<TestServer> {
  const dir = dataDir ?? (await tempDir())
  const server = await startServer({
    config: { port: 0, host: '127.0.0.1', dataDir: dir, logLevel: 'silent', unloadDelayMs: 0, ...config },
  })
  onTestFinished(() => server.close())
  return {
    ...server,
    dataDir: dir,
    createDocument: () => createDocument(server.url),
  }
}

export async function createDocument(url: string) {
  const response = await fetch(`${url}/api/docs`, { method: 'POST' })
  if (response.status !== 201) throw new Error(`creating a document answered ${response.status}`)
  const body = (await response.json()) as CreateDocumentResponse
  const tokens = Object.fromEntries(Object.entries(body.links).map(([role, link]) => [role, tokenOf(link)])) as Record<Role, string>
  return { id: body.id, tokens, links: body.links }
}

/** The token in a share link's fragment. */
export function tokenOf(link: string): string {
  const token = /#token=([A-Za-z0-9_-]+)$/.exec(link)?.[1]
  if (!token) throw new Error(`no token in ${link}`)
  return token
}

/** A real provider on a new Y.Doc, destroyed when the test finishes. */
export function connectClient(
  url: string,
  name: string,
  token: string,
  options: Omit<ProviderOptions, 'token'> & { doc?: Y.Doc } = {},
): CollabProvider {
  const doc = options.doc ?? new Y.Doc()
  const provider = new CollabProvider(url, name, doc, { ...options, token })
  onTestFinished(() => {
    provider.destroy()
    doc.destroy()
  })
  return provider
}

/** A shared connection, closed when the test finishes. */
export function openConnection(url: string, options: ConstructorParameters<typeof CollabConnection>[1] = {}): CollabConnection {
  const connection = new CollabConnection(url, options)
  onTestFinished(() => connection.close())
  return connection
}

interface EventSource {
  // eslint-style `any`: sources have listener types of every shape (Y.Doc, Awareness, sockets).
  on(event: string, listener: (...args: any[]) => void): unknown
  off(event: string, listener: (...args: any[]) => void): unknown
}

/**
 * Resolves once `check()` holds, re-checking whenever one of `sources` emits one of `events`.
 * Waits on events, not on the clock; `limitMs` only turns a hang into a readable failure.
 */
export function until(
  check: () => boolean,
  sources: Array<[EventSource, string[]]>,
  description = 'condition',
  limitMs = 10_000,
): Promise<void> {
  if (check()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const listener = () => {
      if (!check()) return
      cleanup()
      resolve()
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`timed out waiting for ${description}`))
    }, limitMs)
    const cleanup = () => {
      clearTimeout(timer)
      for (const [source, events] of sources) for (const event of events) source.off(event, listener)
    }
    for (const [source, events] of sources) for (const event of events) source.on(event, listener)
  })
}

/** Resolves when every doc has the same content and the same state vector and delete set. */
export function untilConverged(docs: Y.Doc[], limitMs = 10_000): Promise<void> {
  return until(() => converged(docs), docs.map((doc) => [doc, ['update']]), 'documents to converge', limitMs)
}

/** Same state vector, same delete set, same text content. */
export function converged(docs: Y.Doc[]): boolean {
  const [first, ...rest] = docs
  if (!first) return true
  const reference = fingerprint(first)
  return rest.every((doc) => fingerprint(doc) === reference)
}

/** State vector, delete set and content of a doc, comparable as a string. */
export function fingerprint(doc: Y.Doc): string {
  const sv = Buffer.from(Y.encodeStateVector(doc)).toString('base64')
  const ds = Buffer.from(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc))).toString('base64')
  return `${sv}|${ds}|${doc.getText('title').toString()}|${doc.getXmlFragment('prosemirror').toString()}|${doc.getText('text').toString()}`
}

/** Resolves on the provider's next event of that name satisfying `accept`. */
export function nextEvent<T extends unknown[]>(source: EventSource, event: string, accept: (...args: T) => boolean = () => true, limitMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (...args: T) => {
      if (!accept(...args)) return
      cleanup()
      resolve(args)
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`timed out waiting for event ${event}`))
    }, limitMs)
    const cleanup = () => {
      clearTimeout(timer)
      source.off(event, listener as never)
    }
    source.on(event, listener as never)
  })
}
