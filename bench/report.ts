import type { ServerKind } from './clients/client.ts'
import { round } from './stats.ts'
import type { Figures, WorkloadName } from './workloads.ts'

/** The figures of every server in every workload (medians when a workload ran more than once). */
export type Results = Map<WorkloadName, Map<ServerKind, Figures>>

/** ours / peer, for every figure both have. */
export function ratios(ours: Figures, peer: Figures): Figures {
  const out: Figures = {}
  for (const [key, value] of Object.entries(ours)) {
    const other = peer[key]
    if (other === undefined || !Number.isFinite(value) || !Number.isFinite(other) || other === 0) continue
    out[key] = round(value / other)
  }
  return out
}

function cell(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '-'
  return String(Math.abs(value) >= 1000 ? Math.round(value) : round(value))
}

/**
 * One markdown table per workload: a row per figure, a column per server; each peer's cell also
 * shows ours/peer in brackets.
 */
export function tables(results: Results): string {
  const out: string[] = []
  for (const [workload, byServer] of results) {
    const servers = [...byServer.keys()]
    const ours = byServer.get('ours')
    const keys = [...new Set([...byServer.values()].flatMap((f) => Object.keys(f)))]
    out.push(`### ${workload}`, '', `| figure | ${servers.join(' | ')} |`, `|---|${servers.map(() => '---').join('|')}|`)
    for (const key of keys) {
      const cells = servers.map((server) => {
        const value = byServer.get(server)![key]
        if (server === 'ours' || !ours) return cell(value)
        const ratio = ratios(ours, byServer.get(server)!)[key]
        return ratio === undefined ? cell(value) : `${cell(value)} [${ratio}x]`
      })
      out.push(`| ${key} | ${cells.join(' | ')} |`)
    }
    out.push('')
  }
  return out.join('\n')
}

export interface TargetCheck {
  target: string
  /** What was measured against the limit (a ratio or an absolute figure). */
  value: number
  limit: number
  met: boolean
}

/** The targets, judged on this run's figures (skipped when a figure is missing). */
export function checkTargets(results: Results): TargetCheck[] {
  const get = (workload: WorkloadName, server: ServerKind, key: string) => results.get(workload)?.get(server)?.[key]
  const checks: TargetCheck[] = []
  const check = (target: string, value: number | undefined, limit: number) => {
    if (value === undefined || !Number.isFinite(value)) return
    checks.push({ target, value: round(value, 4), limit, met: value <= limit })
  }
  const ratio = (workload: WorkloadName, key: string, peer: ServerKind) => {
    const a = get(workload, 'ours', key)
    const b = get(workload, peer, key)
    return a === undefined || b === undefined || b === 0 ? undefined : a / b
  }
  check('relay CPU per delivery, ours/y-websocket', ratio('relay', 'cpuUsPerDelivery', 'y-websocket'), 1.0)
  check('relay CPU per delivery, ours/y-socket.io', ratio('relay', 'cpuUsPerDelivery', 'y-socket.io'), 0.5)
  check('relay p99 latency, ours/y-websocket', ratio('relay', 'p99Ms', 'y-websocket'), 1.0)
  check('ramp: CPU per delivery at the highest sustained rate, ours/Hocuspocus', ratio('ramp', 'cpuUsPerDeliveryAtSustained', 'hocuspocus'), 1.0)
  check('big document: fresh client synced, ours/Hocuspocus', ratio('big-document', 'syncedMs', 'hocuspocus'), 1.0)
  for (const peer of ['y-websocket', 'hocuspocus', 'y-socket.io'] as const) {
    check(`big document: bytes received, ours/${peer}`, ratio('big-document', 'bytesReceived', peer), 1.0)
  }
  check('memory per document + connection, ours/y-websocket', ratio('many-documents', 'kbPerDocument', 'y-websocket'), 0.9)
  check('memory per idle document + connection, ours/y-websocket', ratio('many-documents', 'idleKbPerDocument', 'y-websocket'), 0.9)
  check('offline resync: offline client bytes sent / diff', get('offline-resync', 'ours', 'offlineSentPerDiff'), 1.05)
  check('offline resync: all wire bytes / diff', get('offline-resync', 'ours', 'wirePerDiff'), 2.1)
  check('durable acks at the relay load: p99 ms', get('relay', 'ours', 'ackP99Ms'), 10)
  check('storing one update, 5 MB doc / 1 KB doc (CPU)', get('durable-storage', 'ours', 'bigOverSmallCpu'), 1.5)
  check('storing one update, 5 MB doc / 1 KB doc (median ack)', get('durable-storage', 'ours', 'bigOverSmallAck'), 1.5)
  return checks
}

export function targetTable(checks: TargetCheck[]): string {
  return [
    '| target | measured | limit | met |',
    '|---|---|---|---|',
    ...checks.map((c) => `| ${c.target} | ${c.value} | <= ${c.limit} | ${c.met ? 'yes' : 'NO'} |`),
  ].join('\n')
}
