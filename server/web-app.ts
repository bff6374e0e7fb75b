import { createReadStream } from 'node:fs'
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { extname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RequestHandler } from './http-api.ts'
import type { Logger } from './logger.ts'

/** The repository root (this file is `server/web-app.ts`). */
const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** Where `vite build` puts the web app. */
export const WEB_DIST = join(ROOT, 'dist', 'web')
/** What the build is made from: a change to any file here makes the build stale. */
const BUILD_INPUTS = [join(ROOT, 'web'), join(ROOT, 'shared'), join(ROOT, 'vite.config.ts')]

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
}

/**
 * The page's CSP. Inline styles stay allowed because ProseMirror decorations (remote selections)
 * set style attributes; scripts only ever come from this origin.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ')

/** Paths that are app routes: they all get index.html, and the app's router decides. */
function isAppRoute(path: string): boolean {
  return path === '/' || path === '/index.html' || /^\/d\/[^/]+\/?$/.test(path) || /^\/admin\/?$/.test(path)
}

export interface WebAppOptions {
  /** The built app; `dist/web` by default. */
  dir?: string
  /** A build in progress: requests wait for it, so the server can listen (and serve the API) meanwhile. */
  ready?: Promise<unknown>
}

/**
 * Serves the built web app: index.html for `/`, `/d/*` and `/admin`, files with their content type,
 * hashed assets cached for a year, everything else revalidated. Never serves a file outside
 * the build directory.
 */
export function createWebApp(options: WebAppOptions = {}): RequestHandler {
  const root = resolve(options.dir ?? WEB_DIST)
  // Settles either way: a failed build leaves the previous one (or 404s) to serve.
  let building: Promise<void> | null = options.ready
    ? options.ready.then(() => undefined, () => undefined).then(() => {
        building = null
      })
    : null
  const serve: RequestHandler = (req, res) => {
    const fail = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' })
      res.end(req.method === 'HEAD' ? undefined : `${text}\n`)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      return fail(405, 'Method not allowed')
    }
    let path: string
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)
    } catch {
      return fail(400, 'Bad request')
    }
    if (path.includes('\0')) return fail(400, 'Bad request')
    const file = isAppRoute(path) ? join(root, 'index.html') : resolve(root, `.${path}`)
    // `resolve` has already collapsed any `..`; whatever lands outside the build is refused.
    const inside = relative(root, file)
    if (inside === '' || inside.startsWith('..') || inside.startsWith(sep)) return fail(404, 'Not found')

    stat(file).then(
      (info) => {
        if (!info.isFile()) return fail(404, 'Not found')
        const hashed = path.startsWith('/assets/')
        const headers: Record<string, string | number> = {
          'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
          'content-length': info.size,
          'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
          'last-modified': info.mtime.toUTCString(),
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
        }
        if (extname(file) === '.html') {
          headers['content-security-policy'] = CONTENT_SECURITY_POLICY
          headers['x-frame-options'] = 'DENY'
        }
        res.writeHead(200, headers)
        if (req.method === 'HEAD') return res.end()
        createReadStream(file)
          .on('error', () => res.destroy())
          .pipe(res)
      },
      () => fail(404, 'Not found'),
    )
  }
  return (req, res) => {
    if (building) void building.then(() => serve(req, res))
    else serve(req, res)
  }
}

/** The newest modification time of any file under `path`, in ms (0 when it does not exist). */
async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => null)
  if (!info) return 0
  if (!info.isDirectory()) return info.mtimeMs
  let newest = info.mtimeMs
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    newest = Math.max(newest, await newestMtime(join(path, entry.name)))
  }
  return newest
}

/** Whether `dist/web` is missing or older than any file it is built from. */
export async function isWebBuildStale(dist: string = WEB_DIST): Promise<boolean> {
  const built = await stat(join(dist, 'index.html')).catch(() => null)
  if (!built) return true
  const inputs = await Promise.all(BUILD_INPUTS.map(newestMtime))
  return Math.max(...inputs) > built.mtimeMs
}

/** No build takes longer; a lock older than this was left by a build that never finished. */
const STALE_LOCK_MS = 5 * 60_000
const LOCK_POLL_MS = 200

/**
 * Builds the web app with Vite's JS API when `dist/web` is missing or stale. Concurrent callers
 * (test files in parallel workers, two servers) take turns through a lock directory, and the
 * second finds the build fresh instead of rebuilding it under the first one's feet.
 */
export async function buildWebAppIfStale(options: { logger?: Logger; dist?: string } = {}): Promise<boolean> {
  const dist = options.dist ?? WEB_DIST
  if (!(await isWebBuildStale(dist))) return false
  const lock = `${dist}.build-lock`
  await mkdir(join(dist, '..'), { recursive: true })
  await acquire(lock)
  try {
    if (!(await isWebBuildStale(dist))) return false
    options.logger?.info({ dist }, 'building the web app')
    // Imported only when needed: a server that never builds does not need Vite installed.
    const { build } = await import('vite')
    // Built beside the old one and swapped in, so a build killed halfway never leaves a half-empty app.
    const next = `${dist}.next`
    await rm(next, { recursive: true, force: true })
    // Vite takes production-ness (import.meta.env.PROD, libraries' NODE_ENV checks) from
    // NODE_ENV, which test runners set to 'test'; the served app is always a production build.
    const nodeEnv = process.env.NODE_ENV
    process.env.NODE_ENV = 'production'
    try {
      await build({ configFile: join(ROOT, 'vite.config.ts'), mode: 'production', logLevel: 'warn', build: { outDir: next } })
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV
      else process.env.NODE_ENV = nodeEnv
    }
    await rm(dist, { recursive: true, force: true })
    await rename(next, dist)
    return true
  } finally {
    await rm(lock, { recursive: true, force: true })
  }
}

/** Takes the lock directory, waiting while a live process holds it; a dead holder's lock is taken over. */
async function acquire(lock: string): Promise<void> {
  for (;;) {
    try {
      await mkdir(lock)
      await writeFile(join(lock, 'pid'), String(process.pid))
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      if (await isAbandoned(lock)) await rm(lock, { recursive: true, force: true })
      else await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS))
    }
  }
}

/** Whether the process that took the lock is gone (killed mid-build) or it is implausibly old. */
async function isAbandoned(lock: string): Promise<boolean> {
  const held = await stat(lock).catch(() => null)
  if (!held) return false
  if (Date.now() - held.mtimeMs > STALE_LOCK_MS) return true
  const pid = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''))
  // The holder writes its pid right after taking the lock; give it that moment.
  if (!pid) return Date.now() - held.mtimeMs > 10_000
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
