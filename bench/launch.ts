import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ServerKind } from './clients/client.ts'
import { RESULT_PREFIX, type LoadParams } from './load/generator.ts'
import { OUT_DIR, ROOT } from './paths.ts'
import { LISTENING_PREFIX } from './servers/announce.ts'

/** Whether `taskset` can pin processes to cores here. */
const HAS_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0
/** The server gets core 0 and the load generator core 1, when there are two. */
const SERVER_CORE = '0'
const GENERATOR_CORE = '1'

export function pinning(): string {
  return HAS_TASKSET ? `server on core ${SERVER_CORE}, load generator on core ${GENERATOR_CORE} (taskset)` : 'not pinned (no taskset)'
}

/** Runs `node --import tsx <script>` pinned to `core` when taskset exists. */
function spawnNode(core: string, nodeArgs: string[], script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const command = [process.execPath, ...nodeArgs, '--import', 'tsx', script, ...args]
  const [file, ...rest] = HAS_TASKSET ? ['taskset', '-c', core, ...command] : command
  // taskset execs node, so the child's pid is the server's own.
  return spawn(file!, rest, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
}

export interface RunningServer {
  kind: ServerKind
  url: string
  pid: number
  /** Where the server writes its memory figures on SIGUSR2. */
  memoryFile: string
  /** SIGTERM (the launcher closes cleanly, so a CPU profile gets written), SIGKILL after 10 s. */
  stop(): Promise<void>
}

export interface ServerLaunch {
  /** Environment for the server (ours reads its configuration from it). */
  env?: Record<string, string>
  /** Write a `.cpuprofile` of the server here when it stops. */
  cpuProfileDir?: string
  /** Where the server's DATA_DIR is made (default bench/.out); e.g. /dev/shm to take the disk out. */
  dataRoot?: string
}

const SCRIPTS: Record<ServerKind, string> = {
  ours: 'bench/servers/ours.ts',
  'y-websocket': 'bench/servers/y-websocket.ts',
  hocuspocus: 'bench/servers/hocuspocus.ts',
  'y-socket.io': 'bench/servers/y-socket-io.ts',
  'sio-relay': 'bench/servers/sio-relay.ts',
  'sio-relay-1f': 'bench/servers/sio-relay-1f.ts',
  'ws-relay': 'bench/servers/ws-relay.ts',
}

/** Settings that keep our server's abuse limits out of a benchmark's way. */
const OURS_ENV = {
  RATE_LIMIT_EVENTS_PER_SECOND: '1000000',
  RATE_LIMIT_EVENT_BURST: '1000000',
  RATE_LIMIT_CREATES_PER_MINUTE: '1000000',
  LOG_LEVEL: 'warn',
}

/** Starts one server as its own process and resolves once it listens. */
export async function startServer(kind: ServerKind, launch: ServerLaunch = {}): Promise<RunningServer> {
  const dataRoot = launch.dataRoot ?? OUT_DIR
  mkdirSync(dataRoot, { recursive: true })
  const dataDir = mkdtempSync(join(dataRoot, `bench-data-${kind}-`))
  const nodeArgs = ['--expose-gc', ...(launch.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${launch.cpuProfileDir}`] : [])]
  const memoryFile = `${dataDir}.memory.json`
  const env = { ...process.env, ...(kind === 'ours' ? OURS_ENV : {}), DATA_DIR: dataDir, BENCH_MEMORY_FILE: memoryFile, NODE_ENV: 'production', ...launch.env }
  const child = spawnNode(SERVER_CORE, nodeArgs, SCRIPTS[kind], [], env)
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)))
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))

  const url = await new Promise<string>((resolve, reject) => {
    let stdout = ''
    const timer = setTimeout(() => reject(new Error(`${kind} did not listen within 60 s: ${stderr}`)), 60_000)
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      const line = stdout.split('\n').find((l) => l.startsWith(LISTENING_PREFIX))
      if (line) {
        clearTimeout(timer)
        resolve(line.slice(LISTENING_PREFIX.length).trim())
      }
    })
    void exited.then(() => reject(new Error(`${kind} exited before listening: ${stderr}`)))
  })

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(memoryFile, { force: true })
  }
  return { kind, url, pid: child.pid!, memoryFile, stop }
}

/**
 * Runs one load generator (`bench/load/<workload>.ts`) against `server` and returns the JSON
 * it printed. Its progress lines (stderr) are passed through; killed after its limit + 15 s.
 */
export async function runLoad<R>(
  workload: string,
  server: RunningServer,
  params: Pick<LoadParams, 'quick' | 'limitMs'> & Record<string, unknown>,
): Promise<R | { error: string }> {
  const full = { ...params, server: server.kind, url: server.url, serverPid: server.pid, memoryFile: server.memoryFile }
  const child = spawnNode(GENERATOR_CORE, [], `bench/load/${workload}.ts`, [JSON.stringify(full)], process.env)
  let stdout = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => process.stderr.write(chunk))
  const killer = setTimeout(() => child.kill('SIGKILL'), params.limitMs + 15_000)
  await new Promise<void>((resolve) => child.once('close', () => resolve()))
  clearTimeout(killer)
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX))
  if (!line) return { error: `the ${workload} generator printed no result (exit ${child.exitCode ?? child.signalCode})` }
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as R | { error: string }
}
