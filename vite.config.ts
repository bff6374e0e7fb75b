import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'

/**
 * Builds `web/` into `dist/web` (`npm run build`, or `npm start`, which builds when stale).
 *
 * `npm run dev` serves `web/` with hot reload on http://localhost:5173 and starts the API and
 * Socket.IO server itself, in the same process, on `API_PORT` (default 3001; data in `DATA_DIR`,
 * as with `npm start`). Nothing else needs to be running. `/api`, `/healthz` and `/socket.io` are
 * proxied to it without `changeOrigin`, so the proxied requests keep the dev server's Host header
 * and pass the server's same-origin check for WebSockets.
 */
const apiPort = Number(process.env.API_PORT ?? 3001)
const apiTarget = `http://127.0.0.1:${apiPort}`

export default defineConfig({
  root: fromRoot('web'),
  // Every file in web/public (the service worker's scope needs `/sw.js` at the root) is copied as is.
  publicDir: 'public',
  resolve: {
    // y-prosemirror, y-indexeddb and the provider must share one Yjs, or its constructor checks break.
    dedupe: ['yjs'],
  },
  build: {
    outDir: fromRoot('dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rolldownOptions: {
      input: { main: fromRoot('web/index.html'), sw: fromRoot('web/offline/sw.ts') },
      output: {
        // The service worker must keep a fixed name at the root; everything else is content-hashed.
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  server: {
    port: 5173,
    strictPort: true,
    // Anchored patterns: a bare '/api' prefix would also swallow the module /api.ts.
    proxy: {
      '^/api/': { target: apiTarget },
      '^/healthz$': { target: apiTarget },
      '^/socket.io/': { target: apiTarget, ws: true },
    },
  },
  plugins: [apiServer()],
})

/** Starts the collaboration server next to the dev server (dev only; `vite build` never loads it). */
function apiServer(): Plugin {
  return {
    name: 'collab-api-server',
    apply: 'serve',
    async configureServer(devServer) {
      // Imported here so that building the app never loads server code.
      const { loadConfig } = await import('./server/config.ts')
      const { startServer } = await import('./server/server.ts')
      const api = await startServer({ config: { ...loadConfig(), port: apiPort, host: '127.0.0.1' } })
      devServer.config.logger.info(`  API server on ${api.url}`)
      devServer.httpServer?.once('close', () => void api.close())
    },
  }
}

function fromRoot(path: string): string {
  return fileURLToPath(new URL(path, import.meta.url))
}
