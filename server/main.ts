import { existsSync } from 'node:fs'
import { loadConfig } from './config.ts'
import { createLogger } from './logger.ts'
import { startServer } from './server.ts'
import { WEB_DIST, buildWebAppIfStale, createWebApp } from './web-app.ts'

/** `npm start`: runs the server until SIGTERM or SIGINT, then stores everything and exits. */
async function main(): Promise<void> {
  const config = loadConfig()
  const logger = createLogger(config.logLevel)
  await buildWebAppIfStale({ logger }).catch((error: unknown) => {
    // An older build still serves; with none at all there is nothing to serve.
    if (!existsSync(WEB_DIST)) throw error
    logger.error({ err: error }, 'building the web app failed; serving the previous build')
  })
  const server = await startServer({ config, logger, app: createWebApp() })
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
