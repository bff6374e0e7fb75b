import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import { Presence } from '../../server/presence.ts'

/** The awareness update a client with this state would send. */
function stateUpdate(clientId: number, state: Record<string, unknown> | null, clock?: number): Uint8Array {
  const doc = new Y.Doc()
  doc.clientID = clientId
  const awareness = new awarenessProtocol.Awareness(doc)
  awareness.setLocalState(state)
  const meta = awareness.meta.get(clientId)!
  if (clock !== undefined) meta.clock = clock
  const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [clientId])
  awareness.destroy()
  return update
}

/** Applies an update to a fresh Awareness and returns the states it ends with. */
function statesOf(update: Uint8Array | null): Map<number, unknown> {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc())
  awareness.setLocalState(null)
  if (update) awarenessProtocol.applyAwarenessUpdate(awareness, update, 'test')
  const states = new Map(awareness.getStates())
  awareness.destroy()
  return states
}

const ada = { user: { name: 'Ada', color: '#336699' }, cursor: null }

describe('Presence', () => {
  it('accepts a well-formed state and hands it to joiners', () => {
    const presence = new Presence()
    const update = stateUpdate(1, ada)
    expect(presence.apply('socket-a', update)).toBe(update)
    expect(statesOf(presence.encodeAll()).get(1)).toEqual(ada)
    expect(presence.size).toBe(1)
  })

  it('binds a client ID to the socket that claimed it first', () => {
    const presence = new Presence()
    presence.apply('socket-a', stateUpdate(1, ada, 1))
    expect(presence.apply('socket-b', stateUpdate(1, { user: { name: 'Mallory', color: '#000000' } }, 5))).toBeNull()
    expect(presence.apply('socket-b', stateUpdate(1, null, 9))).toBeNull()
    expect(statesOf(presence.encodeAll()).get(1)).toEqual(ada)
  })

  it('drops states with long names, bad colors, non-objects or too many bytes', () => {
    const presence = new Presence()
    expect(presence.apply('s', stateUpdate(2, { user: { name: 'x'.repeat(65), color: '#336699' } }))).toBeNull()
    expect(presence.apply('s', stateUpdate(3, { user: { name: 'Eve', color: 'red;background:url(x)' } }))).toBeNull()
    expect(presence.apply('s', stateUpdate(4, { user: 'Eve' }))).toBeNull()
    expect(presence.apply('s', stateUpdate(5, { blob: 'x'.repeat(5000) }))).toBeNull()
    expect(presence.size).toBe(0)
  })

  it('ignores stale clocks and accepts removals', () => {
    const presence = new Presence()
    presence.apply('s', stateUpdate(1, ada, 3))
    expect(presence.apply('s', stateUpdate(1, { user: { name: 'Old', color: '#111111' } }, 2))).toBeNull()
    expect(presence.apply('s', stateUpdate(1, null, 3))).not.toBeNull()
    expect(presence.size).toBe(0)
  })

  it('removes exactly the states of a socket that goes', () => {
    const presence = new Presence()
    presence.apply('socket-a', stateUpdate(1, ada))
    presence.apply('socket-a', stateUpdate(2, ada))
    presence.apply('socket-b', stateUpdate(3, ada))
    const removal = presence.removeOwner('socket-a')
    expect(statesOf(presence.encodeAll())).toEqual(new Map([[3, ada]]))
    expect(removal).not.toBeNull()
    expect(presence.removeOwner('socket-a')).toBeNull()
  })

  it('caps how many client IDs one socket may claim', () => {
    const presence = new Presence()
    for (let id = 1; id <= 8; id++) expect(presence.apply('s', stateUpdate(id, ada))).not.toBeNull()
    expect(presence.apply('s', stateUpdate(9, ada))).toBeNull()
  })

  it('throws on bytes that do not decode', () => {
    expect(() => new Presence().apply('s', new Uint8Array([1, 200]))).toThrow()
  })
})
