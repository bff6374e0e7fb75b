// The big-document workload: the automerge-paper trace's final state is loaded into the server
// through a client, then fresh clients join one after another.
import * as Y from 'yjs'
import { CLIENTS } from '../clients/kinds.ts'
import { cpuSeconds, settledMemory } from '../proc.ts'
import { median, round } from '../stats.ts'
import { traceState } from '../trace.ts'
import { textOf, whenDoc } from './documents.ts'
import { runGenerator, sleep, withTimeout, type LoadParams } from './generator.ts'

export interface BigDocumentParams extends LoadParams {
  /** Fresh clients that join, one after another. */
  freshClients: number
}

export interface BigDocumentResult {
  /** The final state as one Yjs update, in bytes. */
  updateBytes: number
  /** From creating a fresh client to holding the whole text, in ms: median and extremes. */
  syncedMs: { median: number; min: number; max: number }
  /** Bytes a fresh client received and sent until synced (median). */
  bytesReceived: number
  bytesSent: number
  /** Server RSS grown by loading the document, in MB. */
  serverMemoryMb: number
  /** Server V8 heap grown by loading the document (after a collection), in MB. */
  serverHeapMb: number
  /** Server CPU per fresh join, in ms. */
  serverCpuMsPerJoin: number
}

async function bigDocument(params: BigDocumentParams): Promise<BigDocumentResult> {
  const clients = CLIENTS[params.server]
  const state = traceState()
  const room = await clients.createRoom(params.url, 0)
  const before = await settledMemory(params.serverPid, params.memoryFile)

  const loaderDoc = new Y.Doc()
  Y.applyUpdate(loaderDoc, state.update)
  const loader = clients.connect(params.url, room, loaderDoc, { decode: true })
  await withTimeout(loader.synced(), 60_000, 'the loader to sync')
  // A second client proves the server holds everything (ours answers a join once it is stored).
  const probeDoc = new Y.Doc()
  const probe = clients.connect(params.url, room, probeDoc, { decode: true })
  await whenDoc(probeDoc, () => textOf(probeDoc).length === state.length, 60_000, 'the probe to get the whole document')
  probe.destroy()
  // The loader stays: without a client, Hocuspocus drops the doc and ours unloads it.
  const loaded = await settledMemory(params.serverPid, params.memoryFile)

  const join = async () => {
    const doc = new Y.Doc()
    const started = performance.now()
    const client = clients.connect(params.url, room, doc, { decode: true })
    await whenDoc(doc, () => textOf(doc).length === state.length, 30_000, 'a fresh client to get the whole document')
    const ms = performance.now() - started
    client.destroy()
    await sleep(200)
    return { ms, received: client.meter.received, sent: client.meter.sent }
  }
  // One join first, unmeasured, so the generator's code is warm.
  await join()
  const times: number[] = []
  const received: number[] = []
  const sent: number[] = []
  const cpuBefore = cpuSeconds(params.serverPid)
  for (let i = 0; i < params.freshClients; i++) {
    const result = await join()
    times.push(result.ms)
    received.push(result.received)
    sent.push(result.sent)
  }
  const cpu = cpuSeconds(params.serverPid) - cpuBefore
  loader.destroy()
  return {
    updateBytes: state.update.length,
    syncedMs: { median: round(median(times)), min: round(Math.min(...times)), max: round(Math.max(...times)) },
    bytesReceived: median(received),
    bytesSent: median(sent),
    serverMemoryMb: round((loaded.rss - before.rss) / 2 ** 20),
    serverHeapMb: round((loaded.heapUsed - before.heapUsed) / 2 ** 20),
    serverCpuMsPerJoin: round((cpu * 1000) / params.freshClients),
  }
}

runGenerator(bigDocument)
