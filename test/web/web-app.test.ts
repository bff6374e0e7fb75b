import { mkdir, utimes, writeFile } from 'node:fs/promises'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createWebApp, isWebBuildStale } from '../../server/web-app.ts'
import { tempDir } from '../helpers.ts'

/** A fake build: an index page, a hashed asset, a root file, and a secret next to the build. */
async function fakeBuild(): Promise<string> {
  const dir = await tempDir()
  const dist = join(dir, 'web')
  await mkdir(join(dist, 'assets'), { recursive: true })
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>app</title>')
  await writeFile(join(dist, 'assets', 'main-abc123.js'), 'console.log(1)')
  await writeFile(join(dist, 'sw.js'), 'self.addEventListener("fetch", () => {})')
  await writeFile(join(dir, 'secret.txt'), 'not for you')
  return dist
}

async function serve(handler: ReturnType<typeof createWebApp>): Promise<Server> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return server
}

/** A raw GET, so paths like `/../x` reach the server exactly as written. */
function get(server: Server, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { port } = server.address() as AddressInfo
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('serving the built web app (server/web-app.ts)', () => {
  it('answers every app route with index.html, revalidated and under a CSP', async () => {
    const server = await serve(createWebApp({ dir: await fakeBuild() }))
    for (const path of ['/', '/d/abc123', '/d/abc123/', '/d/abc123?x=1']) {
      const response = await get(server, path)
      expect(response.status, path).toBe(200)
      expect(response.body).toContain('<title>app</title>')
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(response.headers['cache-control']).toBe('no-cache')
      expect(response.headers['content-security-policy']).toContain("script-src 'self'")
    }
  })

  it('serves hashed assets with their content type for a year, other files revalidated', async () => {
    const server = await serve(createWebApp({ dir: await fakeBuild() }))
    const asset = await get(server, '/assets/main-abc123.js')
    expect(asset.status).toBe(200)
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const worker = await get(server, '/sw.js')
    expect(worker.headers['cache-control']).toBe('no-cache')
    const head = await get(server, '/assets/main-abc123.js', 'HEAD')
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
  })

  it('never serves a file outside the build, however the path is spelled', async () => {
    const server = await serve(createWebApp({ dir: await fakeBuild() }))
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/assets/..%5c..%5csecret.txt', '/%00', '/assets', '/missing.js']) {
      const response = await get(server, path)
      expect(response.status, path).toBeGreaterThanOrEqual(400)
      expect(response.body).not.toContain('not for you')
    }
  })

  it('refuses methods other than GET and HEAD', async () => {
    const server = await serve(createWebApp({ dir: await fakeBuild() }))
    const response = await get(server, '/', 'POST')
    expect(response.status).toBe(405)
    expect(response.headers.allow).toBe('GET, HEAD')
  })

  it('holds requests until a build in progress has finished', async () => {
    const dist = join(await tempDir(), 'web')
    let finish: () => void = () => undefined
    const build = new Promise<void>((resolve) => (finish = resolve))
    const server = await serve(createWebApp({ dir: dist, ready: build }))
    const pending = get(server, '/')
    await mkdir(dist, { recursive: true })
    await writeFile(join(dist, 'index.html'), 'built just now')
    finish()
    expect((await pending).body).toBe('built just now')
  })

  it('calls a build stale when it is missing or older than its sources', async () => {
    const dist = join(await tempDir(), 'web')
    expect(await isWebBuildStale(dist)).toBe(true)
    await mkdir(dist, { recursive: true })
    await writeFile(join(dist, 'index.html'), '')
    expect(await isWebBuildStale(dist)).toBe(false)
    const longAgo = new Date(2000, 0, 1)
    await utimes(join(dist, 'index.html'), longAgo, longAgo)
    expect(await isWebBuildStale(dist)).toBe(true)
  })
})
