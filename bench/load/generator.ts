import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import * as Y from 'yjs'
import { CLIENTS } from '../clients/kinds.ts'
import type { BenchClient, ClientOptions, Room, ServerKind } from '../clients/client.ts'
import { round } from '../stats.ts'

/** What every load generator is started with (as JSON in argv[2]). */
export interface LoadParams {
  server: ServerKind
  /** `http://127.0.0.1:<port>` */
  url: string
  /** The server process, whose CPU and memory are read from /proc. */
  serverPid: number
  /** Where the server reports its heap after a collection (see settledMemory). */
  memoryFile: string
  quick: boolean
  /** The generator gives up (and reports an error) after this long, in ms. */
  limitMs: number
}

/** The line prefix a generator's result is printed with; the orchestrator parses what follows. */
export const RESULT_PREFIX = 'RESULT '

/**
 * Runs a load generator: reads its parameters, runs `workload`, prints its result as one JSON
 * line and exits. Bounded by `limitMs`; an error becomes `{ error }` in the result.
 */
export function runGenerator<P extends LoadParams>(workload: (params: P) => Promise<object>): void {
  const params = JSON.parse(process.argv[2] ?? '{}') as P
  // Some providers add a process 'exit' listener each.
  process.setMaxListeners(0)
  const deadline = setTimeout(() => finish({ error: `the generator ran out of time (${params.limitMs} ms)` }, 1), params.limitMs)
  deadline.unref()
  workload(params).then(
    (result) => finish(result, 0),
    (error: unknown) => finish({ error: error instanceof Error ? error.message : String(error) }, 1),
  )
}

function finish(result: object, code: number): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => process.exit(code))
}

/** How often the event-loop delay is sampled, in ms. */
const LOOP_SAMPLE_MS = 10

/** The generator's own CPU use and event-loop delay over a window, to tell a generator-bound run. */
export class GeneratorWatch {
  private readonly cpuAtStart = process.cpuUsage()
  private readonly startedAt = performance.now()
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS })

  constructor() {
    this.delay.enable()
  }

  stop(): { generatorCpuPercent: number; generatorLoopDelayP99Ms: number } {
    this.delay.disable()
    const cpu = process.cpuUsage(this.cpuAtStart)
    const wallMs = performance.now() - this.startedAt
    return {
      generatorCpuPercent: round(((cpu.user + cpu.system) / 1000 / wallMs) * 100),
      // The histogram holds whole sampling intervals: what is beyond the interval is the delay.
      generatorLoopDelayP99Ms: round(Math.max(0, this.delay.percentile(99) / 1e6 - LOOP_SAMPLE_MS)),
    }
  }
}

/** A generator above this share of its core, or with a loop this late, measures itself. */
export const GENERATOR_BOUND = { cpuPercent: 85, loopDelayP99Ms: 25 }

export function isGeneratorBound(watch: { generatorCpuPercent: number; generatorLoopDelayP99Ms: number }): boolean {
  return watch.generatorCpuPercent > GENERATOR_BOUND.cpuPercent || watch.generatorLoopDelayP99Ms > GENERATOR_BOUND.loopDelayP99Ms
}

export interface Connected {
  room: Room
  client: BenchClient
}

/**
 * Connects one client per entry of `plan` (a room and options), `batch` at a time, each with a
 * fresh doc (or `makeDoc`'s), and waits until all are synced.
 */
export async function connectAll(
  params: LoadParams,
  plan: Array<{ room: Room; options: ClientOptions }>,
  batch = 50,
  makeDoc: (index: number) => Y.Doc = () => new Y.Doc(),
): Promise<Connected[]> {
  const clients = CLIENTS[params.server]
  const connected: Connected[] = []
  for (let start = 0; start < plan.length; start += batch) {
    const group = plan.slice(start, start + batch).map(({ room, options }, i) => ({
      room,
      client: clients.connect(params.url, room, makeDoc(start + i), options),
    }))
    await withTimeout(Promise.all(group.map(({ client }) => client.synced())), 60_000, 'clients to sync')
    connected.push(...group)
  }
  return connected
}

/** Creates `count` rooms, `batch` at a time. */
export async function createRooms(params: LoadParams, count: number, batch = 20): Promise<Room[]> {
  const clients = CLIENTS[params.server]
  const rooms: Room[] = []
  for (let start = 0; start < count; start += batch) {
    const indexes = Array.from({ length: Math.min(batch, count - start) }, (_, i) => start + i)
    rooms.push(...(await Promise.all(indexes.map((index) => clients.createRoom(params.url, index)))))
  }
  return rooms
}

export function withTimeout<T>(promise: Promise<T>, limitMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${limitMs} ms waiting for ${what}`)), limitMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
