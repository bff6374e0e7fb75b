// The durable-storage workload (ours: every ack means fsync'd): the cost of storing one small
// update in a 1 KB document and in a 5 MB one, one update at a time.
import type { BenchClient } from '../clients/client.ts'
import { CLIENTS } from '../clients/kinds.ts'
import { ProcessWatch } from '../proc.ts'
import { distribution, round } from '../stats.ts'
import { filledDoc, textOf } from './documents.ts'
import { runGenerator, sleep, withTimeout, type LoadParams } from './generator.ts'

export interface DurableStorageParams extends LoadParams {
  /** Updates per document and round. */
  updates: number
  rounds: number
  smallBytes: number
  bigBytes: number
}

interface StoreCost {
  docBytes: number
  ackMs: { p50: number; p99: number }
  serverCpuUsPerUpdate: number
}

export interface DurableStorageResult {
  small: StoreCost
  big: StoreCost
  /** Big over small, for CPU per update and for the median ack. */
  cpuRatio: number
  ackRatio: number
}

/** A function that resolves at the client's next "everything stored". */
function nextSave(client: BenchClient): () => Promise<void> {
  let waiting: (() => void) | null = null
  client.onSaved!(() => {
    waiting?.()
    waiting = null
  })
  return () => new Promise<void>((resolve) => (waiting = resolve))
}

async function durableStorage(params: DurableStorageParams): Promise<DurableStorageResult> {
  const clients = CLIENTS[params.server]
  if (!clients.keepsState) throw new Error('durable storage needs a server that stores')
  const sizes = { small: params.smallBytes, big: params.bigBytes }
  const docs = {} as Record<'small' | 'big', { client: BenchClient; saved: () => Promise<void> }>
  for (const [name, bytes] of Object.entries(sizes) as Array<['small' | 'big', number]>) {
    const room = await clients.createRoom(params.url, name === 'small' ? 0 : 1)
    const doc = filledDoc(bytes, Math.min(bytes, 100_000), name === 'small' ? 3 : 4)
    const client = clients.connect(params.url, room, doc, { decode: true })
    if (!client.onSaved) throw new Error(`${params.server} has no durable acks`)
    const saved = nextSave(client)
    const loaded = saved()
    await withTimeout(client.synced(), 60_000, 'the loader to sync')
    await withTimeout(loaded, 60_000, `the ${name} document to be stored`)
    docs[name] = { client, saved }
  }
  // Loading the big document makes the server write a snapshot of it; let that finish.
  await sleep(2000)

  const acks = { small: [] as number[], big: [] as number[] }
  const cpu = { small: 0, big: 0 }
  for (let round = 0; round < params.rounds; round++) {
    for (const name of ['small', 'big'] as const) {
      const { client, saved } = docs[name]
      const text = textOf(client.doc)
      const watch = new ProcessWatch(params.serverPid)
      for (let i = 0; i < params.updates; i++) {
        const stored = saved()
        const started = performance.now()
        text.insert(text.length, `[${name}:${round}:${i}]`.padEnd(12, '.').slice(0, 12))
        await withTimeout(stored, 10_000, 'an ack')
        acks[name].push(performance.now() - started)
      }
      cpu[name] += watch.stop().cpuSeconds
    }
  }
  for (const { client } of Object.values(docs)) client.destroy()
  const cost = (name: 'small' | 'big'): StoreCost => {
    const d = distribution(acks[name])
    return {
      docBytes: sizes[name],
      ackMs: { p50: round(d.p50), p99: round(d.p99) },
      serverCpuUsPerUpdate: round((cpu[name] * 1e6) / acks[name].length),
    }
  }
  const small = cost('small')
  const big = cost('big')
  return { small, big, cpuRatio: round(big.serverCpuUsPerUpdate / small.serverCpuUsPerUpdate), ackRatio: round(big.ackMs.p50 / small.ackMs.p50) }
}

runGenerator(durableStorage)
