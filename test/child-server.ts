import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'

/** The repository root: the child runs `server/main.ts` from there. */
const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** How the child ended: its exit code, or the signal that killed it. */
export interface ChildExit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ChildServer {
  /** `http://127.0.0.1:<port>`, as the server printed it. */
  url: string
  process: ChildProcess
  /** Sends `signal` (SIGKILL by default) unless the child already ended; resolves like `stopped`. */
  kill(signal?: NodeJS.Signals): Promise<ChildExit>
  /** Settles once the child has exited and been reaped, so its pid no longer holds DATA_DIR's lock. */
  stopped: Promise<ChildExit>
  /** Everything the child wrote to stderr so far (its logs). */
  stderr(): string
}

export interface ChildServerOptions {
  /** Extra environment, e.g. `{ COMPACT_LOG_BYTES: '4096' }`. */
  env?: Record<string, string>
  /** How long to wait for the "listening on" line, in ms; default 60 s, since a start may build the web app first. */
  startLimitMs?: number
}

const LISTENING = /Collaboration server listening on (http:\/\/\S+)/

/**
 * Starts the real server (`server/main.ts`) as a child process on a free port of 127.0.0.1 with
 * `dataDir` as DATA_DIR, and resolves once it printed that it listens. The child is killed when
 * the test finishes. It runs as `node --import tsx`, one process: the `tsx` binary would put a
 * process of its own in between, which cannot pass a SIGKILL on.
 */
export function startChildServer(dataDir: string, options: ChildServerOptions = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => (stdout += chunk))
  child.stderr.on('data', (chunk: string) => (stderr += chunk))

  const stopped = new Promise<ChildExit>((resolve) => {
    // 'exit' can come before stdio closes; 'close' comes after both, once the pid is reaped.
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  const kill = (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    return stopped
  }
  onTestFinished(async () => {
    await kill('SIGKILL')
  })

  const limitMs = options.startLimitMs ?? 60_000
  return new Promise<ChildServer>((resolve, reject) => {
    const fail = (why: string) => {
      cleanup()
      void kill('SIGKILL')
      reject(new Error(`the server child ${why}\n--- its stdout ---\n${stdout}\n--- its stderr ---\n${stderr}`))
    }
    // Registered after the collecting listener, so `stdout` already holds the chunk.
    const onStdout = () => {
      const url = LISTENING.exec(stdout)?.[1]
      if (!url) return
      cleanup()
      resolve({ url, process: child, kill, stopped, stderr: () => stderr })
    }
    const onClose = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`ended before it listened (code ${code}, signal ${signal})`)
    const onError = (error: Error) => fail(`could not be started: ${error.message}`)
    const timer = setTimeout(() => fail(`did not print "listening on" within ${limitMs} ms`), limitMs)
    const cleanup = () => {
      clearTimeout(timer)
      child.stdout.off('data', onStdout)
      child.off('close', onClose)
      child.off('error', onError)
    }
    child.stdout.on('data', onStdout)
    child.once('close', onClose)
    child.once('error', onError)
  })
}
