// Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and sums self time by function and by
// package. Run alone: `npx tsx bench/profile/summarize.ts <file> [--from=ms] [--to=ms] [--top=n]`,
// where from/to cut the profile to a window, in ms since it started.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ROOT } from '../paths.ts'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

export interface CpuProfile {
  nodes: ProfileNode[]
  /** Microseconds, on the profiler's clock. */
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface SelfTime {
  name: string
  selfMs: number
  percent: number
}

export interface ProfileSummary {
  /** Sampled time in the window, in ms (idle included). */
  totalMs: number
  /** Time not idle, in ms. */
  busyMs: number
  functions: SelfTime[]
  packages: SelfTime[]
  /** Time by what the server was doing (see ACTIVITIES), callees included. */
  activities: SelfTime[]
}

/**
 * What a sample was spent on: the first frame from the leaf up that matches one of these
 * (package or file, and a part of its path) names it. So a `writev` under ws's sender is
 * "sending", a `write` under the update log is "storing", Yjs code is "Yjs" wherever called from.
 */
const ACTIVITIES: Array<{ name: string; area: RegExp; path?: RegExp }> = [
  { name: 'storing (update log, fs writes, fdatasync)', area: /^server\/store\// },
  { name: 'Yjs (decode, check, apply, encode)', area: /^(yjs|lib0|y-protocols|server\/(update-check|document|comment-guard)\.ts)$/ },
  { name: 'metrics', area: /^(prom-client|server\/metrics\.ts)$/ },
  { name: 'sending (Socket.IO broadcast, Engine.IO, ws frames, socket writes)', area: /^ws$/, path: /sender\.js$/ },
  { name: 'sending (Socket.IO broadcast, Engine.IO, ws frames, socket writes)', area: /^(socket\.io-adapter|engine\.io)$/ },
  { name: 'sending (Socket.IO broadcast, Engine.IO, ws frames, socket writes)', area: /^socket\.io$/, path: /(client|broadcast-operator)\.js$/ },
  { name: 'receiving (ws frames, Engine.IO and Socket.IO parsing, dispatch)', area: /^(ws|engine\.io-parser|socket\.io-parser|socket\.io|@socket\.io\/component-emitter)$/ },
  { name: 'receiving (ws frames, Engine.IO and Socket.IO parsing, dispatch)', area: /^server\/(session|transport|rate-limit)\.ts$/ },
  { name: 'debug (logging checks)', area: /^debug$/ },
]

/** Where a script lives, short: `yjs`, `socket.io-parser`, `server/document.ts`, `node:internal`. */
export function areaOf(url: string): string {
  if (url === '') return '(native / vm)'
  if (url.startsWith('node:')) return 'node:internal'
  const path = url.startsWith('file://') ? fileURLToPath(url) : url
  const nodeModules = path.lastIndexOf('/node_modules/')
  if (nodeModules >= 0) {
    const rest = path.slice(nodeModules + '/node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path
}

/** Self time per function (name + file:line) and per package, within [fromMs, toMs] of the profile. */
export function summarize(profile: CpuProfile, fromMs = 0, toMs = Infinity): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parents = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id)
  const activityOf = new Map<number, string>()
  const activity = (id: number): string => {
    let name = activityOf.get(id)
    if (name !== undefined) return name
    const frame = byId.get(id)!.callFrame
    if (frame.url === '') name = ['(garbage collector)', '(program)'].includes(frame.functionName) ? frame.functionName : undefined
    else {
      const area = areaOf(frame.url)
      name = ACTIVITIES.find((a) => a.area.test(area) && (!a.path || a.path.test(frame.url)))?.name
    }
    const parent = parents.get(id)
    name ??= parent === undefined ? 'other (timers, event loop, node internals)' : activity(parent)
    activityOf.set(id, name)
    return name
  }
  const functions = new Map<string, number>()
  const packages = new Map<string, number>()
  const activities = new Map<string, number>()
  let totalUs = 0
  let idleUs = 0
  let time = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0
    time += delta
    const ms = time / 1000
    if (ms < fromMs || ms > toMs) continue
    const frame = byId.get(profile.samples[i]!)?.callFrame
    if (!frame) continue
    totalUs += delta
    if (frame.functionName === '(idle)') {
      idleUs += delta
      continue
    }
    const area = areaOf(frame.url)
    const name = frame.url === '' ? frame.functionName : `${frame.functionName || '(anonymous)'} ${area}:${frame.lineNumber + 1}`
    functions.set(name, (functions.get(name) ?? 0) + delta)
    const group = frame.url === '' ? frame.functionName : area
    packages.set(group, (packages.get(group) ?? 0) + delta)
    const doing = activity(profile.samples[i]!)
    activities.set(doing, (activities.get(doing) ?? 0) + delta)
  }
  const busyUs = totalUs - idleUs
  const rank = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 100) / 10, percent: Math.round((1000 * us) / busyUs) / 10 }))
  return { totalMs: totalUs / 1000, busyMs: busyUs / 1000, functions: rank(functions), packages: rank(packages), activities: rank(activities) }
}

export function summaryTables(summary: ProfileSummary, top = 25): string {
  const table = (title: string, rows: SelfTime[]) =>
    [`| ${title} | self ms | % of busy |`, '|---|---|---|', ...rows.slice(0, top).map((r) => `| ${r.name.replaceAll('|', '\\|')} | ${r.selfMs} | ${r.percent} |`)].join('\n')
  return [
    `Window: ${Math.round(summary.totalMs)} ms sampled, ${Math.round(summary.busyMs)} ms busy (${Math.round((100 * summary.busyMs) / summary.totalMs)}% of the core).`,
    '',
    table('time by activity (callees included)', summary.activities),
    '',
    table('self time by package or file', summary.packages),
    '',
    table('self time by function', summary.functions),
  ].join('\n')
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { from: { type: 'string' }, to: { type: 'string' }, top: { type: 'string' } } })
  if (!positionals[0]) throw new RangeError('usage: summarize.ts <file.cpuprofile> [--from=ms] [--to=ms] [--top=n]')
  const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as CpuProfile
  const summary = summarize(profile, Number(values.from ?? 0), values.to === undefined ? Infinity : Number(values.to))
  console.log(summaryTables(summary, Number(values.top ?? 25)))
}
