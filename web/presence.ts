import type { Awareness } from 'y-protocols/awareness'
import { PALETTE, leastUsedColor, safeColor } from './colors.ts'

/** A person in the document as presence shows them; name and color are validated, never raw. */
export interface Person {
  clientId: number
  name: string
  color: string
  self: boolean
}

/** Everyone with a valid presence state, this client first, then in order of client id. */
export function peopleIn(awareness: Awareness): Person[] {
  const people: Person[] = []
  for (const [clientId, state] of awareness.getStates()) {
    const user = (state as { user?: { name?: unknown; color?: unknown } }).user
    const color = safeColor(user?.color)
    if (!user || !color) continue
    const name = typeof user.name === 'string' && user.name.trim() ? user.name.trim() : 'Anonymous'
    people.push({ clientId, name, color, self: clientId === awareness.clientID })
  }
  return people.sort((a, b) => Number(b.self) - Number(a.self) || a.clientId - b.clientId)
}

/**
 * Publishes this client's `{ user: { name, color } }` and keeps its color apart from the others':
 * when someone with a lower client id holds the same color, this client moves to the least used
 * one. Only the higher id moves, so two clients never chase each other's colors.
 */
export function publishPresence(awareness: Awareness, name: string): { setName(name: string): void; destroy(): void } {
  let color: string = PALETTE[awareness.clientID % PALETTE.length]!
  let currentName = name
  const publish = () => awareness.setLocalStateField('user', { name: currentName, color })

  const onChange = () => {
    const others = peopleIn(awareness).filter((person) => !person.self)
    if (!others.some((person) => person.color === color && person.clientId < awareness.clientID)) return
    color = leastUsedColor(others.map((person) => person.color))
    publish()
  }
  awareness.on('change', onChange)
  publish()
  onChange()
  return {
    setName(next) {
      currentName = next
      publish()
    },
    destroy: () => awareness.off('change', onChange),
  }
}

/** Up to two initials, from the first letters of the first and last words ("Ada Lovelace" -> "AL"). */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean)
  const first = [...(words[0] ?? '?')][0] ?? '?'
  const last = words.length > 1 ? ([...words[words.length - 1]!][0] ?? '') : ''
  return (first + last).toUpperCase()
}
