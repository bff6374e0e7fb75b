import { writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The line the orchestrator waits for; the URL is what clients connect to. */
export const LISTENING_PREFIX = 'bench server listening on '

/**
 * Prints the URL of a listening server and exits cleanly on SIGTERM or SIGINT, running `close`
 * first: a clean exit is what makes `node --cpu-prof` write its profile.
 */
export function announce(server: Server, close: () => Promise<unknown> = async () => undefined): void {
  // Started with --expose-gc: a load generator sends SIGUSR2 before it reads memory, so garbage
  // does not count as the documents' and connections' memory; the heap figures go to a file.
  const gc = (globalThis as { gc?: () => void }).gc
  const memoryFile = process.env.BENCH_MEMORY_FILE
  if (gc) {
    process.on('SIGUSR2', () => {
      gc()
      if (memoryFile) writeFileSync(memoryFile, JSON.stringify(process.memoryUsage()))
    })
  }
  const { port } = server.address() as AddressInfo
  console.log(`${LISTENING_PREFIX}http://127.0.0.1:${port}`)
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    // Bounded: a server that cannot close in time still exits, and the profile is still written.
    const deadline = setTimeout(() => process.exit(0), 5000)
    close().finally(() => {
      clearTimeout(deadline)
      process.exit(0)
    })
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

/** Resolves once `server` listens on a free port of 127.0.0.1. */
export function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
}
