// `npm run bench [-- --quick] [--only=relay,ramp] [--servers=ours,y-websocket] [--runs=2]
//   [--profile [--profile-server=kind]] [--data-root=/dev/shm]`
// --data-root puts the servers' DATA_DIR elsewhere: on tmpfs, fsync costs nothing, which tells
// how much of our server's cost is the disk.
// Runs every workload against our server and each peer, one server process at a time, and
// prints a JSON line per run, then tables of figures with ours/peer ratios and the targets.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { SERVER_KINDS, type ServerKind } from './clients/client.ts'
import { pinning, runLoad, startServer } from './launch.ts'
import type { RelayResult } from './load/relay.ts'
import { OUT_DIR } from './paths.ts'
import { machine } from './proc.ts'
import { summarize, summaryTables, type CpuProfile } from './profile/summarize.ts'
import { checkTargets, ratios, tables, targetTable, type Results } from './report.ts'
import { median } from './stats.ts'
import { traceState } from './trace.ts'
import { WORKLOADS, WORKLOAD_NAMES, type Figures, type Workload, type WorkloadName } from './workloads.ts'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    servers: { type: 'string' },
    runs: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
    'profile-server': { type: 'string', default: 'ours' },
    'data-root': { type: 'string' },
  },
})
const quick = values.quick
const runs = Number(values.runs)
if (!Number.isInteger(runs) || runs < 1 || runs > 5) throw new RangeError(`--runs must be 1..5, got ${values.runs}`)
const only = pick(values.only, WORKLOAD_NAMES, values.profile ? [] : WORKLOAD_NAMES, '--only')
const servers = pick(values.servers, SERVER_KINDS, SERVER_KINDS, '--servers')

function pick<T extends string>(raw: string | undefined, all: readonly T[], fallback: readonly T[], flag: string): T[] {
  if (raw === undefined) return [...fallback]
  const picked = raw.split(',').filter(Boolean)
  for (const name of picked) if (!all.includes(name as T)) throw new RangeError(`${flag}: unknown ${name}; one of ${all.join(', ')}`)
  return picked as T[]
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-')
mkdirSync(OUT_DIR, { recursive: true })
const jsonLines: string[] = []
const log = (line: string) => process.stderr.write(`${line}\n`)
const emit = (record: object) => {
  const line = JSON.stringify(record)
  jsonLines.push(line)
  console.log(line)
}

const started = performance.now()
const atStart = machine()
const header = [
  `date: ${new Date().toISOString()}`,
  `machine: ${atStart.cpus} x ${atStart.model}, node ${atStart.node}; ${pinning()}`,
  `load average at start: ${atStart.loadAverage.join(' ')}`,
  `mode: ${quick ? 'quick' : 'full'}, ${runs} run(s) per server and workload (figures are medians)`,
  `server storage: ${values['data-root'] ? `DATA_DIR under ${values['data-root']}` : 'DATA_DIR under bench/.out (the disk)'}`,
].join('\n')
log(header)

if (only.includes('big-document')) {
  log('building the automerge-paper final state (cached after the first time)...')
  traceState()
}

const results: Results = new Map()
for (const workload of WORKLOADS.filter((w) => only.includes(w.name))) {
  const perServer = new Map<ServerKind, Figures[]>()
  for (let run = 1; run <= runs; run++) {
    for (const kind of ((quick && workload.quickServers) || workload.servers).filter((s) => servers.includes(s))) {
      const figures = await runOnce(workload, kind, run)
      if (figures) perServer.set(kind, [...(perServer.get(kind) ?? []), figures])
    }
  }
  const summary = new Map<ServerKind, Figures>([...perServer].map(([kind, list]) => [kind, medianFigures(list)]))
  results.set(workload.name, summary)
  const ours = summary.get('ours')
  for (const [kind, figures] of summary) {
    emit({ type: 'summary', workload: workload.name, server: kind, runs: perServer.get(kind)!.length, figures, ...(ours && kind !== 'ours' ? { oursOverThis: ratios(ours, figures) } : {}) })
  }
}

async function runOnce(workload: Workload, kind: ServerKind, run: number): Promise<Figures | null> {
  const loadAverage = machine().loadAverage[0]
  log(`[${Math.round((performance.now() - started) / 1000)} s] ${workload.name} / ${kind}, run ${run} (load ${loadAverage})`)
  let server
  try {
    server = await startServer(kind, { dataRoot: values['data-root'] })
  } catch (error) {
    emit({ type: 'run', workload: workload.name, server: kind, run, error: String(error) })
    return null
  }
  try {
    const result = await runLoad<object>(workload.script, server, { quick, ...workload.params(quick) })
    if ('error' in result) {
      emit({ type: 'run', workload: workload.name, server: kind, run, error: result.error })
      return null
    }
    const figures = workload.figures(result as never)
    emit({ type: 'run', workload: workload.name, server: kind, run, loadAverage, figures, result })
    return figures
  } finally {
    await server.stop()
  }
}

function medianFigures(list: Figures[]): Figures {
  const keys = [...new Set(list.flatMap((f) => Object.keys(f)))]
  return Object.fromEntries(keys.map((key) => [key, median(list.map((f) => f[key]!).filter((v) => v !== undefined))]))
}

let profileText = ''
if (values.profile) profileText = await profile(pick(values['profile-server'], SERVER_KINDS, [], '--profile-server')[0] ?? 'ours')

/** Runs a server under the relay workload with `--cpu-prof` and summarizes the measured window. */
async function profile(kind: ServerKind): Promise<string> {
  const dir = join(OUT_DIR, `profile-${kind}-${stamp}`)
  mkdirSync(dir, { recursive: true })
  log(`profiling ${kind} under the relay workload; the profile goes to ${dir}`)
  const spawnedAt = Date.now()
  const server = await startServer(kind, { cpuProfileDir: dir, dataRoot: values['data-root'] })
  const relay = WORKLOADS.find((w) => w.name === 'relay')!
  const result = await runLoad<RelayResult>('relay', server, { quick, ...relay.params(quick), measureMs: quick ? 5000 : 20_000 })
  await server.stop()
  if ('error' in result) return `profiling failed: ${result.error}`
  // The largest profile is the main thread's; tsx's module loader runs on a thread of its own.
  const file = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0]
  if (!file) return 'profiling failed: no .cpuprofile was written'
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile
  const window = result.steps[0]!.window
  const summary = summarize(profile, window.from - spawnedAt, window.to - spawnedAt)
  const step = result.steps[0]!
  return [
    `## Profile of ${kind} under the relay workload (${join(dir, file)})`,
    '',
    `${step.updatesPerSecond} updates/s, ${step.deliveriesPerSecond} deliveries/s, server CPU ${step.serverCpuPercent}% (${step.serverCpuUsPerDelivery} us/delivery by /proc).`,
    summaryTables(summary),
  ].join('\n')
}

const atEnd = machine()
const checks = checkTargets(results)
const report = [
  '# Benchmark run',
  '',
  '```',
  header,
  `load average at end: ${atEnd.loadAverage.join(' ')}; took ${Math.round((performance.now() - started) / 1000)} s`,
  '```',
  '',
  'Each peer cell shows [ours/peer]; under 1 means ours is lower (better for times, CPU, bytes, memory).',
  '',
  tables(results),
  checks.length > 0 ? `## Targets\n\n${targetTable(checks)}\n` : '',
  profileText,
].join('\n')
console.log(`\n${report}`)
writeFileSync(join(OUT_DIR, `results-${stamp}.md`), report)
writeFileSync(join(OUT_DIR, `results-${stamp}.jsonl`), jsonLines.join('\n') + '\n')
log(`written: bench/.out/results-${stamp}.md and .jsonl`)
