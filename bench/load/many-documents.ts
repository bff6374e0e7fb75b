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
  /** Further wait, with every client connected and quiet, before memory is read again ("idle"), in ms. */
  idleMs: number
}

export interface ManyDocumentsResult {
  documents: number
  /** Server RSS growth per document and its connection, in KB. */
  kbPerDocument: number
  /** Server V8 heap growth (after a collection) per document and its connection, in KB. */
  heapKbPerDocument: number
  /** The same two after the documents sat idle for `idleMs` more (ours frees unused docs' Y.Docs after 5 s); NaN in quick mode. */
  idleKbPerDocument: number
  idleHeapKbPerDocument: number
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
  // Idle long enough for ours to put the documents to sleep (5 s) and for V8 to give the freed heap back.
  await sleep(params.idleMs)
  const idle = params.idleMs > 0 ? await settledMemory(params.serverPid, params.memoryFile, 5) : { rss: NaN, heapUsed: NaN }
  for (const { client } of connected) client.destroy()
  const perDocumentKb = (bytes: number) => round(bytes / params.documents / 1024)
  return {
    documents: params.documents,
    kbPerDocument: perDocumentKb(after.rss - baseline.rss),
    heapKbPerDocument: perDocumentKb(after.heapUsed - baseline.heapUsed),
    idleKbPerDocument: perDocumentKb(idle.rss - baseline.rss),
    idleHeapKbPerDocument: perDocumentKb(idle.heapUsed - baseline.heapUsed),
    serverRssMb: round(after.rss / 2 ** 20),
    baselineRssMb: round(baseline.rss / 2 ** 20),
    createSeconds: round((created - started) / 1000),
    connectSeconds: round(connectSeconds),
  }
}

runGenerator(manyDocuments)
