import { SERVER_KINDS, type ServerKind } from './clients/client.ts'
import type { BigDocumentResult } from './load/big-document.ts'
import type { DurableStorageResult } from './load/durable-storage.ts'
import type { ManyDocumentsResult } from './load/many-documents.ts'
import type { OfflineResyncResult } from './load/offline-resync.ts'
import type { RelayResult, RelayStep } from './load/relay.ts'

export const WORKLOAD_NAMES = ['relay', 'ramp', 'big-document', 'many-documents', 'offline-resync', 'durable-storage'] as const
export type WorkloadName = (typeof WORKLOAD_NAMES)[number]

/** The numbers a run is judged by; `true`/`false` flags are kept as 1/0. */
export type Figures = Record<string, number>

export interface Workload {
  name: WorkloadName
  /** The generator script in bench/load/. */
  script: string
  servers: readonly ServerKind[]
  /** The servers of a quick run, when fewer. */
  quickServers?: readonly ServerKind[]
  /** Parameters for the generator, quick or full. */
  params(quick: boolean): object & { limitMs: number }
  /** The figures of one result. */
  figures(result: never): Figures
}

const YJS_SERVERS: readonly ServerKind[] = ['ours', 'y-websocket', 'hocuspocus', 'y-socket.io']
const RELAY_SHAPE = { rooms: 10, clientsPerRoom: 20, decodersPerRoom: 2, graceMs: 500 }

function stepFigures(step: RelayStep | undefined): Figures {
  if (!step) return {}
  const figures: Figures = {
    updatesPerSecond: step.updatesPerSecond,
    p50Ms: step.latencyMs.p50,
    p99Ms: step.latencyMs.p99,
    maxMs: step.latencyMs.max,
    cpuUsPerDelivery: step.serverCpuUsPerDelivery,
    serverCpuPercent: step.serverCpuPercent,
    peakRssMb: step.serverPeakRssMb,
    generatorCpuPercent: step.generatorCpuPercent,
    generatorLoopP99Ms: step.generatorLoopDelayP99Ms,
    generatorBound: step.generatorBound ? 1 : 0,
  }
  if (step.ackMs) Object.assign(figures, { ackP50Ms: step.ackMs.p50, ackP99Ms: step.ackMs.p99 })
  return figures
}

/** The highest rate whose p99 stayed within the limit with (almost) nothing late. */
export function sustainedStep(result: RelayResult, p99LimitMs: number): RelayStep | undefined {
  return result.steps.filter((s) => s.latencyMs.p99 <= p99LimitMs && s.latePercent <= 1).at(-1)
}

export const RAMP_P99_LIMIT_MS = 100

export const WORKLOADS: readonly Workload[] = [
  {
    name: 'relay',
    script: 'relay',
    servers: SERVER_KINDS,
    params: (quick) => ({
      ...RELAY_SHAPE,
      intervalsMs: [500],
      firstWarmupMs: quick ? 500 : 2000,
      warmupMs: 0,
      measureMs: quick ? 2500 : 15_000,
      drainMs: quick ? 3000 : 10_000,
      stopAboveP99Ms: null,
      limitMs: 120_000,
    }),
    figures: (result: RelayResult) => ({ ...stepFigures(result.steps[0]), lostDeliveries: result.lostDeliveries }),
  },
  {
    name: 'ramp',
    script: 'relay',
    servers: SERVER_KINDS,
    quickServers: ['ours', 'hocuspocus'],
    params: (quick) => ({
      ...RELAY_SHAPE,
      intervalsMs: quick ? [500, 250] : [500, 250, 125, 62.5, 31.25, 15.625],
      firstWarmupMs: quick ? 1000 : 3000,
      warmupMs: quick ? 500 : 1000,
      measureMs: quick ? 2000 : 4000,
      drainMs: 3000,
      stopAboveP99Ms: RAMP_P99_LIMIT_MS,
      limitMs: 180_000,
    }),
    figures: (result: RelayResult) => {
      const best = sustainedStep(result, RAMP_P99_LIMIT_MS)
      const last = result.steps.at(-1)
      return {
        sustainedUpdatesPerSecond: best?.updatesPerSecond ?? 0,
        cpuUsPerDeliveryAtSustained: best?.serverCpuUsPerDelivery ?? NaN,
        p99MsAtSustained: best?.latencyMs.p99 ?? NaN,
        generatorBoundAtSustained: best?.generatorBound ? 1 : 0,
        lastUpdatesPerSecond: last?.updatesPerSecond ?? 0,
        lastP99Ms: last?.latencyMs.p99 ?? NaN,
        lastGeneratorBound: last?.generatorBound ? 1 : 0,
      }
    },
  },
  {
    name: 'big-document',
    script: 'big-document',
    servers: YJS_SERVERS,
    quickServers: ['ours', 'y-websocket', 'hocuspocus'],
    params: (quick) => ({ freshClients: quick ? 2 : 7, limitMs: 120_000 }),
    figures: (result: BigDocumentResult) => ({
      syncedMs: result.syncedMs.median,
      bytesReceived: result.bytesReceived,
      bytesSent: result.bytesSent,
      serverMemoryMb: result.serverMemoryMb,
      serverHeapMb: result.serverHeapMb,
      serverCpuMsPerJoin: result.serverCpuMsPerJoin,
    }),
  },
  {
    name: 'many-documents',
    script: 'many-documents',
    servers: SERVER_KINDS,
    quickServers: ['ours', 'y-websocket', 'sio-relay'],
    params: (quick) => ({ documents: quick ? 100 : 1000, textBytes: 5000, settleMs: quick ? 500 : 2000, idleMs: quick ? 0 : 30_000, limitMs: 600_000 }),
    figures: (result: ManyDocumentsResult) => ({
      kbPerDocument: result.kbPerDocument,
      heapKbPerDocument: result.heapKbPerDocument,
      idleKbPerDocument: result.idleKbPerDocument,
      idleHeapKbPerDocument: result.idleHeapKbPerDocument,
      serverRssMb: result.serverRssMb,
      createSeconds: result.createSeconds,
      connectSeconds: result.connectSeconds,
    }),
  },
  {
    name: 'offline-resync',
    script: 'offline-resync',
    servers: YJS_SERVERS,
    params: () => ({ edits: 1000, settleMs: 500, limitMs: 60_000 }),
    figures: (result: OfflineResyncResult) => ({
      resyncMs: result.resyncMs,
      diffBytes: result.diffBytes,
      offlineSentPerDiff: result.offlineSentPerDiff,
      wirePerDiff: result.wirePerDiff,
    }),
  },
  {
    name: 'durable-storage',
    script: 'durable-storage',
    servers: ['ours'],
    params: (quick) => ({ updates: quick ? 50 : 200, rounds: quick ? 1 : 2, smallBytes: 1000, bigBytes: 5_000_000, limitMs: 120_000 }),
    figures: (result: DurableStorageResult) => ({
      smallAckP50Ms: result.small.ackMs.p50,
      smallAckP99Ms: result.small.ackMs.p99,
      smallCpuUsPerUpdate: result.small.serverCpuUsPerUpdate,
      bigAckP50Ms: result.big.ackMs.p50,
      bigAckP99Ms: result.big.ackMs.p99,
      bigCpuUsPerUpdate: result.big.serverCpuUsPerUpdate,
      bigOverSmallCpu: result.cpuRatio,
      bigOverSmallAck: result.ackRatio,
    }),
  },
]
