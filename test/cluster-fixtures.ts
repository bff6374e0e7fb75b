import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import pg from 'pg'
import { onTestFinished } from 'vitest'

/** Where the tests find PostgreSQL; trust auth on this machine. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** Why the multi-node suite cannot run here, or null when it can. */
export async function missingPrerequisite(): Promise<string | null> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return 'redis-server is not installed'
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('select 1')
  } catch (error) {
    return `PostgreSQL at ${DATABASE_URL} is not reachable (${(error as Error).message})`
  } finally {
    await client.end().catch(() => undefined)
  }
  return null
}

/** A fresh schema, dropped when the test finishes; the URL selects it through the search path. */
export async function freshSchema(): Promise<{ schema: string; url: string }> {
  const schema = `collab_test_${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  await client.query(`create schema ${schema}`)
  await client.end()
  onTestFinished(async () => {
    const cleanup = new pg.Client({ connectionString: DATABASE_URL })
    await cleanup.connect()
    await cleanup.query(`drop schema if exists ${schema} cascade`)
    await cleanup.end()
  })
  const separator = DATABASE_URL.includes('?') ? '&' : '?'
  return { schema, url: `${DATABASE_URL}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}` }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

export interface TestRedis {
  url: string
  /** Stops the server (SIGKILL, as an outage would). */
  stop(): Promise<void>
  /** Starts it again on the same port, empty. */
  start(): Promise<void>
}

/** A Redis server of the test's own on a free port, so it can be stopped without touching anyone else's. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort()
  let child: ChildProcess | null = null
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      child = server
      let output = ''
      server.stdout!.setEncoding('utf8')
      server.stdout!.on('data', (chunk: string) => {
        output += chunk
        if (output.includes('Ready to accept connections')) resolve()
      })
      server.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)))
    })
  const stop = async () => {
    const server = child
    child = null
    if (!server || server.exitCode !== null) return
    await new Promise((resolve) => {
      server.once('exit', resolve)
      server.kill('SIGKILL')
    })
  }
  await start()
  onTestFinished(stop)
  return { url: `redis://127.0.0.1:${port}`, stop, start }
}
