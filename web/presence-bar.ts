import type { Awareness } from 'y-protocols/awareness'
import { h } from './dom.ts'
import { initials, peopleIn, type Person } from './presence.ts'

/** Avatars shown before the rest collapse into "+N"; the bar's width is fixed at this many, so nothing moves when people come and go. */
const MAX_AVATARS = 4

function avatar(person: Person, onEditSelf: () => void): HTMLElement {
  const label = person.self ? `${person.name} (you)` : person.name
  const content = h('span', { class: 'avatar__initials', text: initials(person.name), attrs: { 'aria-hidden': 'true' } })
  const element = person.self
    ? h('button', { class: 'avatar avatar--self', attrs: { type: 'button', title: `${label} · change your name`, 'aria-label': `${label}, change your name` }, on: { click: onEditSelf } }, [content])
    : h('span', { class: 'avatar', attrs: { title: label, role: 'img', 'aria-label': label } }, [content])
  // `person.color` passed the #rrggbb check in peopleIn, so it is safe in a style.
  element.style.backgroundColor = person.color
  element.dataset.clientId = String(person.clientId)
  return h('li', { class: 'presence__item' }, [element])
}

/** The row of people in the document: name, color and initials, updated on every presence change. */
export function createPresenceBar(awareness: Awareness, onEditSelf: () => void): { element: HTMLElement; destroy(): void } {
  const list = h('ul', { class: 'presence__list' })
  const element = h('div', { class: 'presence', attrs: { role: 'group', 'aria-label': 'People in this document' } }, [list])

  const render = () => {
    const people = peopleIn(awareness)
    const shown = people.length > MAX_AVATARS ? people.slice(0, MAX_AVATARS - 1) : people
    const hidden = people.slice(shown.length)
    const items = shown.map((person) => avatar(person, onEditSelf))
    if (hidden.length > 0) {
      const names = hidden.map((person) => person.name).join(', ')
      items.push(h('li', { class: 'presence__item' }, [h('span', { class: 'avatar avatar--more', text: `+${hidden.length}`, attrs: { title: names, role: 'img', 'aria-label': `and ${names}` } })]))
    }
    list.replaceChildren(...items)
    element.dataset.count = String(people.length)
  }
  awareness.on('change', render)
  render()
  return { element, destroy: () => awareness.off('change', render) }
}
