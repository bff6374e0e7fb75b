import { ROLES, shareLink, type Role } from '../shared/protocol.ts'
import { ApiError, createDocument, tokenFromLink } from './api.ts'
import { bestToken, forgetDocument, knownDocuments, rememberDocument, type KnownDocument } from './doc-store.ts'
import { h, icon } from './dom.ts'
import { ICONS } from './editor/icons.ts'

const ROLE_LABEL: Record<Role, string> = { owner: 'Owner', editor: 'Editor', commenter: 'Commenter', viewer: 'Viewer' }

/** The home page: create a document, or reopen one this browser has seen. */
export function openHomePage(root: HTMLElement): void {
  document.title = 'Collab · Documents'
  const error = h('p', { class: 'home__error', attrs: { role: 'alert' } })
  const create = h('button', { class: 'button button--primary button--large', attrs: { type: 'button' } }, [icon(ICONS.plus), h('span', { text: 'New document' })])
  create.addEventListener('click', async () => {
    create.disabled = true
    error.textContent = ''
    try {
      const { id, links } = await createDocument()
      const tokens: Partial<Record<Role, string>> = {}
      for (const role of ROLES) tokens[role] = tokenFromLink(links[role]) ?? undefined
      rememberDocument(id, { tokens, role: 'owner', opened: true })
      location.assign(links.owner)
    } catch (failure) {
      create.disabled = false
      error.textContent = failure instanceof ApiError ? failure.message : 'Could not reach the server. Check your connection and try again.'
    }
  })

  const list = h('ul', { class: 'doc-list', attrs: { 'aria-label': 'Recent documents' } })
  const renderList = () => {
    const docs = knownDocuments().filter((doc) => bestToken(doc))
    list.replaceChildren(...docs.map((doc) => documentRow(doc, () => {
      forgetDocument(doc.id)
      renderList()
    })))
    if (docs.length === 0) list.appendChild(h('li', { class: 'doc-list__empty', text: 'Documents you create or open appear here. They are remembered only in this browser.' }))
  }
  renderList()

  root.replaceChildren(
    h('div', { class: 'app app--home', attrs: { 'data-ready': 'true' } }, [
      h('header', { class: 'topbar' }, [h('a', { class: 'brand', attrs: { href: '/' } }, [icon(ICONS.file), h('span', { text: 'Collab' })])]),
      h('main', { class: 'home' }, [
        h('section', { class: 'home__hero' }, [
          h('h1', { class: 'home__title', text: 'Write together, in real time' }),
          h('p', { class: 'home__lead', text: 'Start a document, share a link, and see everyone’s cursor as they type. Keeps working offline.' }),
          create,
          error,
        ]),
        h('section', { class: 'home__recent', attrs: { 'aria-labelledby': 'recent-heading' } }, [h('h2', { class: 'home__subtitle', text: 'Recent documents', attrs: { id: 'recent-heading' } }), list]),
      ]),
    ]),
  )
}

function documentRow(doc: KnownDocument, onForget: () => void): HTMLElement {
  const href = shareLink(doc.id, bestToken(doc)!)
  const title = doc.title || 'Untitled document'
  return h('li', { class: 'doc-list__item' }, [
    h('a', { class: 'doc-list__link', attrs: { href } }, [
      icon(ICONS.file),
      h('span', { class: 'doc-list__title', text: title }),
      doc.role ? h('span', { class: `badge badge--${doc.role}`, text: ROLE_LABEL[doc.role] }) : null,
      h('time', { class: 'doc-list__time', text: relativeTime(doc.openedAt), attrs: { datetime: new Date(doc.openedAt).toISOString() } }),
    ]),
    h('button', { class: 'icon-button doc-list__forget', attrs: { type: 'button', 'aria-label': `Remove “${title}” from this list`, title: 'Remove from this list' }, on: { click: onForget } }, [icon(ICONS.close)]),
  ])
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
]

/** "3 hours ago", "just now". */
function relativeTime(time: number): string {
  const seconds = Math.round((time - Date.now()) / 1000)
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
  for (const [unit, size] of UNITS) if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit)
  return 'just now'
}
