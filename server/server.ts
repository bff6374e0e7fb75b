import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DEFAULT_CONFIG, type Config } from './config.ts'
import { createHttpApi, type RequestHandler } from './http-api.ts'
import { createLogger, type Logger } from './logger.ts'
import { Metrics, measuredStore } from './metrics.ts'
import { COLLAB_NAMESPACE } from '../shared/protocol.ts'
import { DocumentRegistry } from './registry.ts'
import { openFileStore } from './store/file-store.ts'
import { openPostgresStore } from './store/postgres-store.ts'
import type { Store } from './store/store.ts'
import { attachTransport, type Transport } from './transport.ts'

export interface ServerOptions {
  /** Defaults to DEFAULT_CONFIG; fields given here override it. */
  config?: Partial<Config>
  /** Defaults to the embedded file store in `config.dataDir`. */
  store?: Store
  logger?: Logger
  /** Serves what is not API (the web app); defaults to 404. */
  app?: RequestHandler
}

export interface RunningServer {
  /** `http://host:port`, with the port actually bound. */
  url: string
  port: number
  config: Config
  registry: DocumentRegistry
  transport: Transport
  httpServer: HttpServer
  /** Stops accepting, stores everything, closes the store. Safe to call twice. */
  close(): Promise<void>
}

const notFound: RequestHandler = (_req, res) => {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
  res.end('Not found\n')
}

/** The shared database when one is configured, else the embedded store in DATA_DIR. */
function openStore(config: Config, logger: Logger): Promise<Store> {
  if (config.databaseUrl) return openPostgresStore({ connectionString: config.databaseUrl, logger })
  return openFileStore({ dataDir: config.dataDir, logger })
}

/** Starts the collaboration server: HTTP API and Socket.IO on one port. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const config: Config = { ...DEFAULT_CONFIG, ...options.config }
  const logger = options.logger ?? createLogger(config.logLevel)
  let transport: Transport | undefined
  let registry: DocumentRegistry | undefined
  const metrics = new Metrics({
    sockets: () => transport?.io.of(COLLAB_NAMESPACE).sockets.size ?? 0,
    documents: () => registry?.size ?? 0,
    sleepingDocuments: () => [...(registry?.documents() ?? [])].filter((d) => d.sleeping).length,
    awarenessStates: () => [...(registry?.documents() ?? [])].reduce((sum, d) => sum + d.presence.size, 0),
  })
  const store = measuredStore(options.store ?? (await openStore(config, logger)), metrics)

  registry = new DocumentRegistry({
    store,
    logger,
    compactLogBytes: config.compactLogBytes,
    unloadDelayMs: config.unloadDelayMs,
    sleepAfterMs: config.sleepAfterMs,
    // Documents load only through joins, which the transport serves, so it is there by then.
    relay: {
      toRoom: (...args) => transport?.relay.toRoom(...args),
      toLocalRoom: (...args) => transport?.relay.toLocalRoom(...args),
      toPeers: (...args) => transport?.relay.toPeers(...args),
    },
  })
  const httpServer = createServer()
  const api = createHttpApi(
    { config, store, registry, logger, metrics, revokeLink: (id, role) => transport?.revokeLink(id, role) },
    options.app ?? notFound,
  )
  httpServer.on('request', api)
  try {
    transport = await attachTransport(httpServer, { config, store, registry, logger, metrics })
  } catch (error) {
    await store.close()
    throw error
  }

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject)
      httpServer.listen(config.port, config.host, () => resolve())
    })
  } catch (error) {
    await store.close()
    throw error
  }
  const port = (httpServer.address() as AddressInfo).port
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`

  let closing: Promise<void> | undefined
  const close = () =>
    (closing ??= (async () => {
      await transport!.close()
      try {
        await registry.shutdown()
      } finally {
        await store.close()
      }
    })())
  return { url, port, config, registry, transport, httpServer, close }
}
