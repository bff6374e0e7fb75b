import { loadConfig } from './config.ts'
import { createLogger } from './logger.ts'
import { startServer } from './server.ts'
import { buildWebAppIfStale, createWebApp } from './web-app.ts'

/** `npm start`: runs the server until SIGTERM or SIGINT, then stores everything and exits. */
async function main(): Promise<void> {
  const config = loadConfig()
  const logger = createLogger(config.logLevel)
  // The API and Socket.IO serve at once; requests for the app wait until a stale build is rebuilt.
  const build = buildWebAppIfStale({ logger }).catch((error: unknown) => {
    logger.error({ err: error }, 'building the web app failed; run `npm run build` to see why')
  })
  const server = await startServer({ config, logger, app: createWebApp({ ready: build }) })
  console.log(`Collaboration server listening on ${server.url}`)

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown could not store everything')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

main().catch((error: unknown) => {
  console.error(`Could not start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
