// The many-documents workload: one client per document, each document ~5 KB of text; what the
// server's memory grows by, per document and connection.
import { settledMemory } from '../proc.ts'
import { round } from '../stats.ts'
import { filledDoc } from './documents.ts'
import { connectAll, createRooms, runGenerator, sleep, type LoadParams } from './generator.ts'

export interface ManyDocumentsParams extends LoadParams {
  documents: number
  /** Characters of text per document. */
  textBytes: number
  /** Wait after the last client synced before memory is read, in ms. */
  settleMs: number
}

export interface ManyDocumentsResult {
  documents: number
  /** Server RSS growth per document and its connection, in KB. */
  kbPerDocument: number
  /** Server V8 heap growth (after a collection) per document and its connection, in KB. */
  heapKbPerDocument: number
  serverRssMb: number
  baselineRssMb: number
  /** Creating the documents (ours: over HTTP), then connecting and syncing the clients. */
  createSeconds: number
  connectSeconds: number
}

async function manyDocuments(params: ManyDocumentsParams): Promise<ManyDocumentsResult> {
  const baseline = await settledMemory(params.serverPid, params.memoryFile)
  const started = performance.now()
  const rooms = await createRooms(params, params.documents)
  const created = performance.now()
  const connected = await connectAll(
    params,
    rooms.map((room) => ({ room, options: { decode: true } })),
    50,
    (index) => filledDoc(params.textBytes, 100, index + 1),
  )
  const connectSeconds = (performance.now() - created) / 1000
  await sleep(params.settleMs)
  const after = await settledMemory(params.serverPid, params.memoryFile, 5)
  for (const { client } of connected) client.destroy()
  return {
    documents: params.documents,
    kbPerDocument: round((after.rss - baseline.rss) / params.documents / 1024),
    heapKbPerDocument: round((after.heapUsed - baseline.heapUsed) / params.documents / 1024),
    serverRssMb: round(after.rss / 2 ** 20),
    baselineRssMb: round(baseline.rss / 2 ** 20),
    createSeconds: round((created - started) / 1000),
    connectSeconds: round(connectSeconds),
  }
}

runGenerator(manyDocuments)
