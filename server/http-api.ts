import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  ROLES,
  isRole,
  parseDocName,
  shareLink,
  type CreateDocumentResponse,
  type DocumentInfoResponse,
  type ErrorCode,
  type Role,
  type RotateLinkResponse,
} from '../shared/protocol.ts'
import { newLink, newToken, roleForToken, tokensEqual } from './access.ts'
import type { Config } from './config.ts'
import { CollabError } from './errors.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'
import { KeyedRateLimiter } from './rate-limit.ts'
import type { DocumentRegistry } from './registry.ts'
import type { DocumentRecord, Store } from './store/store.ts'

export interface HttpApiOptions {
  config: Config
  store: Store
  registry: DocumentRegistry
  logger: Logger
  /** Cuts off the sockets that joined with a rotated link. */
  revokeLink(id: string, role: Role): void
  metrics: Metrics
}

/** Largest request body accepted, in bytes; no route needs more. */
const MAX_BODY_BYTES = 4 * 1024

const STATUS: Record<ErrorCode, number> = {
  'bad-request': 400,
  'not-found': 404,
  forbidden: 403,
  'invalid-update': 400,
  'too-large': 413,
  'rate-limited': 429,
  unavailable: 503,
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void

/**
 * The HTTP API: create documents, read their info, rotate links, health. Requests that are not
 * for the API go to `fallback` (the web app).
 */
export function createHttpApi(options: HttpApiOptions, fallback: RequestHandler): RequestHandler {
  const { store, registry, logger } = options
  const creations = new KeyedRateLimiter(options.config.createsPerMinute / 60, options.config.createsPerMinute)

  async function createDocument(req: IncomingMessage): Promise<[number, CreateDocumentResponse]> {
    await readEmptyObjectBody(req)
    if (!creations.take(clientAddress(req))) throw new CollabError('rate-limited', 'too many documents created; wait a minute')
    const id = randomBytes(12).toString('base64url')
    const tokens = Object.fromEntries(ROLES.map((role) => [role, newToken()])) as Record<Role, string>
    const now = new Date()
    const record: DocumentRecord = {
      id,
      createdAt: now.toISOString(),
      title: '',
      links: Object.fromEntries(ROLES.map((role) => [role, newLink(tokens[role], now)])) as Record<Role, DocumentRecord['links'][Role]>,
    }
    await stored(store.createDocument(record))
    logger.info({ doc: id }, 'document created')
    const links = Object.fromEntries(ROLES.map((role) => [role, shareLink(id, tokens[role])])) as Record<Role, string>
    return [201, { id, links }]
  }

  function clientAddress(req: IncomingMessage): string {
    const forwarded = options.config.trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',')[0]?.trim() : ''
    return forwarded || req.socket.remoteAddress || 'unknown'
  }

  async function documentInfo(req: IncomingMessage, id: string): Promise<[number, DocumentInfoResponse]> {
    const { record, role } = await authorize(req, id)
    const live = registry.get(id)
    // A sleeping doc's title was stored when it fell asleep; reading it from the doc would wake it.
    const title = live && !live.sleeping ? live.doc.getText('title').toString() : record.title
    return [200, { id, title, role, createdAt: record.createdAt }]
  }

  async function rotateLink(req: IncomingMessage, id: string, role: string): Promise<[number, RotateLinkResponse]> {
    if (!isRole(role)) throw new CollabError('not-found', `no role ${role.slice(0, 20)}`)
    await readEmptyObjectBody(req)
    const access = await authorize(req, id)
    if (access.role !== 'owner') throw new CollabError('forbidden', 'only the owner can rotate links')
    const token = newToken()
    await stored(store.setLink(id, role, newLink(token)))
    logger.info({ doc: id, role }, 'link rotated')
    options.revokeLink(id, role)
    return [200, { role, link: shareLink(id, token) }]
  }

  async function authorize(req: IncomingMessage, id: string): Promise<{ record: DocumentRecord; role: Role }> {
    const address = parseDocName(id)
    if (!address || address.kind !== 'content') throw new CollabError('not-found', 'no such document')
    const token = /^Bearer ([A-Za-z0-9_-]{1,256})$/.exec(req.headers.authorization ?? '')?.[1]
    if (!token) throw new CollabError('forbidden', 'send the link token as "Authorization: Bearer <token>"')
    const record = await stored(store.getDocument(id))
    if (!record) throw new CollabError('not-found', 'no such document')
    const role = roleForToken(record, token)
    if (!role) throw new CollabError('forbidden', 'this token does not grant access to the document')
    return { record, role }
  }

  /** Prometheus text, for the admin token only; without a configured token the route does not exist. */
  async function sendMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const adminToken = options.config.adminToken
    if (!adminToken) throw new CollabError('not-found', 'metrics are off: set ADMIN_TOKEN')
    const token = /^Bearer (.{1,256})$/.exec(req.headers.authorization ?? '')?.[1]
    if (!token || !tokensEqual(token, adminToken)) throw new CollabError('forbidden', 'metrics need the admin token')
    const text = await options.metrics.registry.metrics()
    res.writeHead(200, { 'content-type': options.metrics.registry.contentType, 'cache-control': 'no-store' })
    res.end(text)
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const method = req.method ?? 'GET'
    if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) {
      const writable = await store.checkWritable().then(() => true, () => false)
      return send(res, writable ? 200 : 503, { ok: writable })
    }
    if (path === '/metrics' && method === 'GET') return sendMetrics(req, res)
    if (!path.startsWith('/api/')) return fallback(req, res)
    let match: RegExpExecArray | null
    if (path === '/api/docs' && method === 'POST') return send(res, ...(await createDocument(req)))
    if ((match = /^\/api\/docs\/([^/]+)$/.exec(path)) && method === 'GET') return send(res, ...(await documentInfo(req, match[1]!)))
    if ((match = /^\/api\/docs\/([^/]+)\/links\/([^/]+)\/rotate$/.exec(path)) && method === 'POST') {
      return send(res, ...(await rotateLink(req, match[1]!, match[2]!)))
    }
    throw new CollabError('not-found', `no route ${method} ${path.slice(0, 100)}`)
  }

  return (req, res) => {
    route(req, res).catch((error: unknown) => {
      const code: ErrorCode = error instanceof CollabError ? error.code : 'unavailable'
      if (!(error instanceof CollabError)) logger.error({ err: error, path: req.url?.slice(0, 100) }, 'request failed')
      const message = error instanceof CollabError ? error.message : 'the server could not complete this request'
      if (!res.headersSent) send(res, STATUS[code], { error: { code, message } })
      else res.destroy()
    })
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'cache-control': 'no-store',
  })
  res.end(json)
}

/** A storage failure is the server's problem: `unavailable`, never a false success. */
function stored<T>(operation: Promise<T>): Promise<T> {
  return operation.catch((error: unknown) => {
    throw new CollabError('unavailable', `storage failed (${(error as NodeJS.ErrnoException).code ?? 'error'}); try again shortly`)
  })
}

/** These routes take no parameters in the body: accept none, or a JSON object, of bounded size. */
async function readEmptyObjectBody(req: IncomingMessage): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > MAX_BODY_BYTES) throw new CollabError('too-large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`)
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new CollabError('too-large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8').trim()
  if (text === '') return
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new CollabError('bad-request', 'the request body is not JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new CollabError('bad-request', 'the request body must be a JSON object')
}
