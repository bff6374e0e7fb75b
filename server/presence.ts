import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { COLOR_PATTERN, LIMITS } from '../shared/protocol.ts'

interface Entry {
  clock: number
  /** The state as the client encoded it (JSON); 'null' once removed. */
  json: string
  owner: string
}

/**
 * The awareness states of one document (y-protocols encoding), each bound to the socket that
 * claimed its client ID first. A socket can set or remove only its own IDs, so nobody can
 * overwrite or delete another person's cursor, and a socket that goes removes exactly its own.
 */
export class Presence {
  private readonly entries = new Map<number, Entry>()
  private readonly owned = new Map<string, Set<number>>()

  /** Number of live (non-removed) states. */
  get size(): number {
    let live = 0
    for (const entry of this.entries.values()) if (entry.json !== 'null') live++
    return live
  }

  /**
   * Applies the parts of an awareness update that `owner` may make and that are well formed.
   * Returns those parts encoded for relaying, or null when nothing was accepted.
   * Throws on bytes that do not decode.
   */
  apply(owner: string, update: Uint8Array): Uint8Array | null {
    const decoder = decoding.createDecoder(update)
    const count = decoding.readVarUint(decoder)
    if (count > LIMITS.maxAwarenessClientsPerSocket) throw new RangeError(`awareness update names ${count} clients`)
    const accepted: Array<[number, number, string]> = []
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder)
      const clock = decoding.readVarUint(decoder)
      const json = decoding.readVarString(decoder)
      if (this.accept(owner, clientId, clock, json)) accepted.push([clientId, clock, json])
    }
    if (accepted.length === 0) return null
    return accepted.length === count ? update : encodeEntries(accepted)
  }

  /** Removes every state `owner` controls; returns the removal to relay, or null when it had none. */
  removeOwner(owner: string): Uint8Array | null {
    const ids = this.owned.get(owner)
    if (!ids) return null
    this.owned.delete(owner)
    const removed: Array<[number, number, string]> = []
    for (const clientId of ids) {
      const entry = this.entries.get(clientId)
      this.entries.delete(clientId)
      if (entry && entry.json !== 'null') removed.push([clientId, entry.clock + 1, 'null'])
    }
    return removed.length > 0 ? encodeEntries(removed) : null
  }

  /** Every live state, encoded for a joiner; null when there are none. */
  encodeAll(): Uint8Array | null {
    const live: Array<[number, number, string]> = []
    for (const [clientId, entry] of this.entries) if (entry.json !== 'null') live.push([clientId, entry.clock, entry.json])
    return live.length > 0 ? encodeEntries(live) : null
  }

  private accept(owner: string, clientId: number, clock: number, json: string): boolean {
    const entry = this.entries.get(clientId)
    let ids = this.owned.get(owner)
    if (entry) {
      if (entry.owner !== owner) return false
      // y-protocols' rule: newer clocks win; at the same clock only a removal may replace a state.
      const newer = clock > entry.clock || (clock === entry.clock && json === 'null' && entry.json !== 'null')
      if (!newer) return false
    } else if (ids && ids.size >= LIMITS.maxAwarenessClientsPerSocket) {
      return false
    }
    if (!isValidState(json)) return false
    if (!ids) this.owned.set(owner, (ids = new Set()))
    ids.add(clientId)
    this.entries.set(clientId, { clock, json, owner })
    return true
  }
}

function encodeEntries(entries: Array<[number, number, string]>): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const [clientId, clock, json] of entries) {
    encoding.writeVarUint(encoder, clientId)
    encoding.writeVarUint(encoder, clock)
    encoding.writeVarString(encoder, json)
  }
  return encoding.toUint8Array(encoder)
}

/** A state is `null` or an object of bounded size whose `user`, if any, has a short name and a `#rrggbb` color. */
function isValidState(json: string): boolean {
  if (json.length > LIMITS.maxAwarenessStateLength) return false
  let state: unknown
  try {
    state = JSON.parse(json)
  } catch {
    return false
  }
  if (state === null) return true
  if (typeof state !== 'object' || Array.isArray(state)) return false
  const user = (state as { user?: unknown }).user
  if (user === undefined) return true
  if (typeof user !== 'object' || user === null || Array.isArray(user)) return false
  const { name, color } = user as { name?: unknown; color?: unknown }
  if (name !== undefined && (typeof name !== 'string' || name.length > LIMITS.maxUserNameLength)) return false
  if (color !== undefined && (typeof color !== 'string' || !COLOR_PATTERN.test(color))) return false
  return true
}
