import * as Y from 'yjs'

type Struct = Y.Item | Y.GC | Y.Skip

/**
 * Why `update` cannot be integrated completely into `doc`, or null when it can.
 *
 * Runs before `Y.applyUpdate`, because applying is not undoable: Yjs parks updates whose
 * dependencies are missing as "pending" forever and without an event, and an update that
 * claims millions of structs makes `applyUpdate` spin and allocate before it fails, while
 * `Y.decodeUpdate` rejects it at once (lessons.md).
 *
 * Checked: the bytes decode; every client's structs continue its known clock without a gap;
 * every origin, right origin and parent a struct names exists (in the doc or earlier in the
 * update); a parent is a type, never plain content; every deleted range exists.
 */
export function findUpdateProblem(doc: Y.Doc, update: Uint8Array): string | null {
  let decoded: ReturnType<typeof Y.decodeUpdate>
  try {
    decoded = Y.decodeUpdate(update)
  } catch {
    return 'not a decodable Yjs update'
  }
  const { ds } = decoded
  const structs = decoded.structs as Struct[]
  const store = doc.store
  // The clock each client reaches once the update is in: its known state extended by the update.
  const reach = new Map<number, number>()
  const stateOf = (client: number) => reach.get(client) ?? Y.getState(store, client)

  for (const struct of structs) {
    if (struct instanceof Y.Skip) continue
    const { client, clock } = struct.id
    const next = stateOf(client)
    if (clock > next) return `update skips clocks ${next}..${clock - 1} of client ${client}`
    reach.set(client, Math.max(next, clock + struct.length))
  }

  const updateStructs = groupByClient(structs)
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue
    // Yjs skips what the doc already holds; a client resends that after a join raced a broadcast.
    if (struct.id.clock + struct.length <= Y.getState(store, struct.id.client)) continue
    const refs = [struct.origin, struct.rightOrigin, struct.parent instanceof Y.ID ? struct.parent : null]
    for (const ref of refs) {
      if (ref === null) continue
      const ownEarlier = ref.client === struct.id.client && ref.clock < struct.id.clock
      if (ref.client === struct.id.client ? !ownEarlier : ref.clock >= stateOf(ref.client)) {
        return `update refers to missing item ${ref.client}:${ref.clock}`
      }
    }
    if (struct.parent instanceof Y.ID && !isTypeOrCollected(findStruct(store, updateStructs, struct.parent))) {
      return `update nests content in ${struct.parent.client}:${struct.parent.clock}, which is not a type`
    }
  }

  for (const [client, ranges] of ds.clients) {
    const known = stateOf(client)
    for (const range of ranges) {
      if (range.clock + range.len > known) return `update deletes unknown items of client ${client}`
    }
  }
  return null
}

function groupByClient(structs: Struct[]): Map<number, Struct[]> {
  const byClient = new Map<number, Struct[]>()
  for (const struct of structs) {
    const list = byClient.get(struct.id.client)
    if (list) list.push(struct)
    else byClient.set(struct.id.client, [struct])
  }
  return byClient
}

/** The struct holding `id`: from the doc when it has it, else from the update itself. */
function findStruct(store: Y.Doc['store'], updateStructs: Map<number, Struct[]>, id: Y.ID): Struct | undefined {
  if (id.clock < Y.getState(store, id.client)) return Y.getItem(store, id) as Y.Item | Y.GC
  // An update lists each client's structs in clock order: binary search, or a big update costs n².
  const list = updateStructs.get(id.client) ?? []
  let low = 0
  let high = list.length - 1
  while (low <= high) {
    const middle = (low + high) >>> 1
    const struct = list[middle]!
    if (id.clock < struct.id.clock) high = middle - 1
    else if (id.clock >= struct.id.clock + struct.length) low = middle + 1
    else return struct instanceof Y.Skip ? undefined : struct
  }
  return undefined
}

function isTypeOrCollected(struct: Struct | undefined): boolean {
  // A deleted type's content is collected (ContentDeleted); Yjs turns content nested in it into GC.
  return struct instanceof Y.GC || (struct instanceof Y.Item && (struct.content instanceof Y.ContentType || struct.deleted))
}
