/**
 * The app shell's service worker: the HTML and its hashed assets are cached so that a document
 * can be reopened offline (its content then comes from IndexedDB). Pages are network-first, so
 * a new deploy shows as soon as the server is reachable; hashed assets never change, so they are
 * cache-first. The API and Socket.IO are never touched.
 */
declare const self: ServiceWorkerGlobalScope

const CACHE = 'collab-shell-v1'
/** The cache key of the one HTML page every app route serves. */
const SHELL = '/'
const ASSET_PATTERN = /\/assets\/[A-Za-z0-9._-]+/g

async function cacheShell(cache: Cache, response: Response): Promise<void> {
  const html = await response.clone().text()
  await cache.put(SHELL, response)
  const wanted = new Set(html.match(ASSET_PATTERN) ?? [])
  await cache.addAll([...wanted].filter((path) => path !== SHELL))
  // Assets of older builds are never needed again.
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname
    if (path.startsWith('/assets/') && !wanted.has(path)) await cache.delete(request)
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE)
      const response = await fetch(SHELL, { cache: 'no-cache' })
      if (response.ok) await cacheShell(cache, response)
      await self.skipWaiting()
    })(),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name)
      await self.clients.claim()
    })(),
  )
})

async function page(event: FetchEvent): Promise<Response> {
  const cache = await caches.open(CACHE)
  try {
    const response = await fetch(event.request)
    // Refreshing the cached shell must not hold up the page.
    if (response.ok && response.headers.get('content-type')?.startsWith('text/html')) event.waitUntil(cacheShell(cache, response.clone()))
    return response
  } catch (error) {
    const cached = await cache.match(SHELL)
    if (cached) return cached
    throw error
  }
}

async function asset(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE)
  const cached = await cache.match(request)
  if (cached) return cached
  const response = await fetch(request)
  if (response.ok) await cache.put(request, response.clone())
  return response
}

self.addEventListener('fetch', (event) => {
  const { request } = event
  const url = new URL(request.url)
  if (request.method !== 'GET' || url.origin !== self.location.origin) return
  if (request.mode === 'navigate' && (url.pathname === '/' || url.pathname.startsWith('/d/'))) event.respondWith(page(event))
  else if (url.pathname.startsWith('/assets/')) event.respondWith(asset(request))
})
