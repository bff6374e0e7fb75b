// The offline-resync workload: a client goes offline, types, comes back; how long until another
// client has its edits, and how many bytes each side moved, against the size of the offline diff.
import * as Y from 'yjs'
import { CLIENTS } from '../clients/kinds.ts'
import { round } from '../stats.ts'
import { filledDoc, seededRandom, textOf, typeInto, whenDoc } from './documents.ts'
import { runGenerator, sleep, withTimeout, type LoadParams } from './generator.ts'

export interface OfflineResyncParams extends LoadParams {
  edits: number
  /** After the other client has the edits, how long to keep counting bytes (acks, echoes), in ms. */
  settleMs: number
}

export interface OfflineResyncResult {
  edits: number
  /** `Y.encodeStateAsUpdate(offlineDoc, stateVectorBeforeGoingOffline)`, in bytes. */
  diffBytes: number
  /** From reconnecting to the other client holding the same text, in ms. */
  resyncMs: number
  offlineSent: number
  offlineReceived: number
  otherSent: number
  otherReceived: number
  offlineSentPerDiff: number
  wirePerDiff: number
}

const OFFLINE_CLIENT_ID = 0x9e3779b9

async function offlineResync(params: OfflineResyncParams): Promise<OfflineResyncResult> {
  const clients = CLIENTS[params.server]
  const room = await clients.createRoom(params.url, 0)
  // The diff's size depends on the client ID's (each item names its origin with it): a fixed,
  // typical one (15 in 16 random IDs take 5 bytes, as this one) gives every server and run the same diff.
  const offlineDoc = filledDoc(1000, 1000, 7, OFFLINE_CLIENT_ID)
  const otherDoc = new Y.Doc()
  const offline = clients.connect(params.url, room, offlineDoc, { decode: true })
  const other = clients.connect(params.url, room, otherDoc, { decode: true })
  await withTimeout(Promise.all([offline.synced(), other.synced()]), 30_000, 'both clients to sync')
  const sameText = () => textOf(otherDoc).toString() === textOf(offlineDoc).toString()
  await whenDoc(otherDoc, sameText, 30_000, 'the other client to get the first text')

  offline.goOffline()
  await sleep(300)
  const stateVector = Y.encodeStateVector(offlineDoc)
  typeInto(offlineDoc, params.edits, seededRandom(42))
  const diffBytes = Y.encodeStateAsUpdate(offlineDoc, stateVector).length
  await sleep(100)

  offline.meter.reset()
  other.meter.reset()
  const started = performance.now()
  offline.goOnline()
  await whenDoc(otherDoc, sameText, 30_000, 'the other client to get the offline edits')
  const resyncMs = performance.now() - started
  await sleep(params.settleMs)
  const bytes = {
    offlineSent: offline.meter.sent,
    offlineReceived: offline.meter.received,
    otherSent: other.meter.sent,
    otherReceived: other.meter.received,
  }
  offline.destroy()
  other.destroy()
  const wire = bytes.offlineSent + bytes.offlineReceived + bytes.otherSent + bytes.otherReceived
  return {
    edits: params.edits,
    diffBytes,
    resyncMs: round(resyncMs),
    ...bytes,
    offlineSentPerDiff: round(bytes.offlineSent / diffBytes, 4),
    wirePerDiff: round(wire / diffBytes, 4),
  }
}

runGenerator(offlineResync)
