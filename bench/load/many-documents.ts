// The many-documents workload: one client per document, each document ~5 KB of text; what the
// server's memory grows by, per document and connection.
import { settledRss } from '../proc.ts'
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
  serverRssMb: number
  baselineRssMb: number
  /** Creating the documents (ours: over HTTP), then connecting and syncing the clients. */
  createSeconds: number
  connectSeconds: number
}

async function manyDocuments(params: ManyDocumentsParams): Promise<ManyDocumentsResult> {
  const baseline = await settledRss(params.serverPid)
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
  const rss = await settledRss(params.serverPid, 5)
  for (const { client } of connected) client.destroy()
  return {
    documents: params.documents,
    kbPerDocument: round((rss - baseline) / params.documents / 1024),
    serverRssMb: round(rss / 2 ** 20),
    baselineRssMb: round(baseline / 2 ** 20),
    createSeconds: round((created - started) / 1000),
    connectSeconds: round(connectSeconds),
  }
}

runGenerator(manyDocuments)
