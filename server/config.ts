import { resolve } from 'node:path'
import { DEFAULT_MAX_UPDATE_BYTES } from '../shared/protocol.ts'

/** Everything the server can be configured with. Read from the environment in `loadConfig` only. */
export interface Config {
  /** TCP port; 0 picks a free one. Env `PORT`, default 3000. */
  port: number
  /** Interface to listen on. Env `HOST`, default `0.0.0.0`. */
  host: string
  /** Where the embedded store keeps its files. Env `DATA_DIR`, default `./data`. */
  dataDir: string
  /** Largest accepted Yjs update, in bytes (`too-large` above). Env `MAX_UPDATE_BYTES`, default 8 MiB. */
  maxUpdateBytes: number
  /**
   * Origins (`https://host:port`) whose browsers may connect, besides the server's own origin.
   * Env `ALLOWED_ORIGINS`, comma-separated; `*` allows any. Default: same origin only.
   */
  allowedOrigins: string[]
  /** Socket events (updates, awareness, joins) one socket may send per second, sustained. Env `RATE_LIMIT_EVENTS_PER_SECOND`, default 100. */
  eventsPerSecond: number
  /** Burst allowance above the sustained rate. Env `RATE_LIMIT_EVENT_BURST`, default 400. */
  eventBurst: number
  /** Documents one client address may create per minute. Env `RATE_LIMIT_CREATES_PER_MINUTE`, default 30. */
  createsPerMinute: number
  /** Log bytes since the last snapshot that trigger a compaction (at least this, and at least the snapshot's size). Env `COMPACT_LOG_BYTES`, default 1 MiB. */
  compactLogBytes: number
  /** Milliseconds an idle document (no clients) stays loaded before it is unloaded. Env `UNLOAD_DELAY_MS`, default 2000. */
  unloadDelayMs: number
  /**
   * Milliseconds a loaded document may go unused (no change, no join) before it sleeps: its Y.Doc
   * is freed and its content kept as one encoded update, which answers joins, until the next change.
   * Env `SLEEP_AFTER_MS`, default 5000.
   */
  sleepAfterMs: number
  /** pino level. Env `LOG_LEVEL`, default `info`. */
  logLevel: string
  /** PostgreSQL connection string; when set, the shared database replaces the embedded store. Env `DATABASE_URL`. */
  databaseUrl: string | null
  /** Redis URL; when set, rooms span every node on that Redis (needs `databaseUrl`). Env `REDIS_URL`. */
  redisUrl: string | null
  /**
   * Behind a reverse proxy: take the client address from the first `X-Forwarded-For` entry
   * (for per-address limits). Only set it when a proxy you run overwrites that header. Env `TRUST_PROXY=1`.
   */
  trustProxy: boolean
  /** Bearer token for `GET /metrics` and the `/admin` namespace; both are off without it. Env `ADMIN_TOKEN`. */
  adminToken: string | null
}

export const DEFAULT_CONFIG: Config = {
  port: 3000,
  host: '0.0.0.0',
  dataDir: resolve('data'),
  maxUpdateBytes: DEFAULT_MAX_UPDATE_BYTES,
  allowedOrigins: [],
  eventsPerSecond: 100,
  eventBurst: 400,
  createsPerMinute: 30,
  compactLogBytes: 1024 * 1024,
  unloadDelayMs: 2000,
  sleepAfterMs: 5000,
  logLevel: 'info',
  trustProxy: false,
  databaseUrl: null,
  redisUrl: null,
  adminToken: null,
}

function integer(env: NodeJS.ProcessEnv, key: string, fallback: number, min = 0): number {
  const raw = env[key]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${key} must be an integer >= ${min}, got ${JSON.stringify(raw)}`)
  }
  return value
}

/** Reads the configuration from the environment; throws a RangeError naming a bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const d = DEFAULT_CONFIG
  if (env.REDIS_URL && !env.DATABASE_URL) {
    throw new RangeError('REDIS_URL needs DATABASE_URL: nodes that share rooms must share one store')
  }
  if (env.ADMIN_TOKEN !== undefined && env.ADMIN_TOKEN !== '' && env.ADMIN_TOKEN.length < 16) {
    throw new RangeError('ADMIN_TOKEN must be at least 16 characters')
  }
  return {
    port: integer(env, 'PORT', d.port),
    host: env.HOST || d.host,
    dataDir: resolve(env.DATA_DIR || d.dataDir),
    maxUpdateBytes: integer(env, 'MAX_UPDATE_BYTES', d.maxUpdateBytes, 1024),
    allowedOrigins: (env.ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    eventsPerSecond: integer(env, 'RATE_LIMIT_EVENTS_PER_SECOND', d.eventsPerSecond, 1),
    eventBurst: integer(env, 'RATE_LIMIT_EVENT_BURST', d.eventBurst, 1),
    createsPerMinute: integer(env, 'RATE_LIMIT_CREATES_PER_MINUTE', d.createsPerMinute, 1),
    compactLogBytes: integer(env, 'COMPACT_LOG_BYTES', d.compactLogBytes, 1024),
    unloadDelayMs: integer(env, 'UNLOAD_DELAY_MS', d.unloadDelayMs),
    sleepAfterMs: integer(env, 'SLEEP_AFTER_MS', d.sleepAfterMs, 10),
    logLevel: env.LOG_LEVEL || d.logLevel,
    trustProxy: env.TRUST_PROXY === '1' || env.TRUST_PROXY === 'true',
    databaseUrl: env.DATABASE_URL || null,
    redisUrl: env.REDIS_URL || null,
    adminToken: env.ADMIN_TOKEN || null,
  }
}
