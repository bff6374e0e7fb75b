import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import * as Y from 'yjs'
import { OUT_DIR, TEXT_NAME } from './paths.ts'

const TRACE_FILE = new URL('./data/automerge-paper.json.gz', import.meta.url)
const CACHE_FILE = `${OUT_DIR}/automerge-paper.yjs`
const LENGTH_FILE = `${CACHE_FILE}.length`

interface Trace {
  startContent: string
  endContent: string
  txns: Array<{ patches: Array<[position: number, deleteCount: number, insert: string]> }>
}

export interface TraceState {
  /** The final state as one Yjs update (`Y.Text` named TEXT_NAME). */
  update: Uint8Array
  /** Length of the final text, in characters. */
  length: number
}

/**
 * The automerge-paper trace replayed into a `Y.Text`, one transaction per edit, as one update.
 * The replay takes seconds, so its result is cached in `bench/.out/`.
 */
export function traceState(): TraceState {
  if (existsSync(CACHE_FILE) && existsSync(LENGTH_FILE)) {
    return { update: new Uint8Array(readFileSync(CACHE_FILE)), length: Number(readFileSync(LENGTH_FILE, 'utf8')) }
  }
  const trace = JSON.parse(gunzipSync(readFileSync(TRACE_FILE)).toString('utf8')) as Trace
  const length = trace.endContent.length
  const doc = new Y.Doc()
  const text = doc.getText(TEXT_NAME)
  text.insert(0, trace.startContent)
  for (const txn of trace.txns) {
    doc.transact(() => {
      for (const [position, deleteCount, insert] of txn.patches) {
        if (deleteCount > 0) text.delete(position, deleteCount)
        if (insert.length > 0) text.insert(position, insert)
      }
    })
  }
  if (text.toString() !== trace.endContent) throw new Error('replaying the trace did not give its endContent')
  const update = Y.encodeStateAsUpdate(doc)
  mkdirSync(OUT_DIR, { recursive: true })
  writeFileSync(CACHE_FILE, update)
  writeFileSync(LENGTH_FILE, String(length))
  return { update, length }
}
