import type { EditorView } from 'prosemirror-view'
import { h, icon } from '../dom.ts'
import { ICONS } from '../editor/icons.ts'
import type { Placement } from './anchors.ts'
import { createComposer, type Composer } from './composer.ts'
import { COMMENT_ICONS } from './icons.ts'
import { placeCards, type CardBox } from './layout.ts'
import { relativeTime } from './relative-time.ts'
import { createThreadCard, type CardActions, type ThreadCard } from './thread-card.ts'
import type { Commenter, ThreadEntry } from './threads.ts'

type Filter = 'open' | 'resolved' | 'all'

const FILTERS: Array<{ filter: Filter; label: string; empty: string }> = [
  { filter: 'open', label: 'Open', empty: 'No open comments.' },
  { filter: 'resolved', label: 'Resolved', empty: 'No resolved comments.' },
  { filter: 'all', label: 'All', empty: 'No comments yet.' },
]

/** Below this width the panel is a sheet over the page instead of a column beside it. */
const NARROW_QUERY = '(max-width: 959px)'
const PANEL_WIDTH = '340px'
const CARD_GAP = 10
const TIME_REFRESH_MS = 30_000
const ANNOUNCE_DELAY_MS = 100

export interface SidebarOptions {
  panel: HTMLElement
  /** Gets `--side-panel-width` while the panel is shown beside the page. */
  workspace: HTMLElement
  view: EditorView
  who(): Commenter
  placements(): { threads: ReadonlyMap<string, Placement>; draft: Placement }
  actions: CardActions & { post(body: string): void; cancelDraft(): void; deactivate(): void }
}

export interface Sidebar {
  /** Shows these threads (all of them; the filter picks). */
  render(threads: readonly ThreadEntry[], activeId: string | null): void
  /** Opens the box for a new comment on `quote`. */
  openDraft(quote: string): void
  closeDraft(): void
  /** Brings a thread into view (and the sheet up, on a narrow screen). */
  reveal(threadId: string, focus: 'card' | 'none'): void
  /** The highlights moved: marks threads whose text is gone, reorders, and places the cards again. */
  refresh(): void
  /** Shows a short notice under the header (and the sheet, on a narrow screen), in place of any earlier one. */
  notify(text: string): void
  /** The button that opens the sheet on narrow screens. */
  readonly toggle: HTMLButtonElement
  destroy(): void
}

/**
 * The comments panel: a header with the filter, and one card per thread. Beside the page each
 * card sits level with its text where there is room (pushed down to avoid overlaps, the active
 * one exactly level); on narrow screens the panel is a sheet over the page, toggled from the
 * toolbar, with the cards in document order.
 */
export function createSidebar(options: SidebarOptions): Sidebar {
  const { panel, workspace, view, actions } = options
  const narrow = window.matchMedia(NARROW_QUERY)
  let filter: Filter = 'open'
  let threads: readonly ThreadEntry[] = []
  let activeId: string | null = null
  let sheetOpen = false
  let frame = 0
  const cards = new Map<string, ThreadCard>()
  let draft: { element: HTMLElement; composer: Composer } | null = null
  /** A notice was given and not dismissed, which keeps the panel up even without threads. */
  let noticeOpen = false
  let noticeTimer = 0

  const filterButtons = FILTERS.map(({ filter: value, label }) =>
    h('button', { class: 'comments-filter__option', text: label, attrs: { type: 'button', 'data-filter': value, 'aria-pressed': String(value === filter) }, on: { click: () => setFilter(value) } }),
  )
  const count = h('span', { class: 'comments-panel__count' })
  const close = h('button', { class: 'icon-button comments-panel__close', attrs: { type: 'button', 'aria-label': 'Close comments', title: 'Close comments' }, on: { click: () => setSheet(false) } }, [icon(ICONS.close)])
  // The live region stays in the panel while empty, so that screen readers announce what appears in it.
  const noticeText = h('p', { class: 'comments-notice__text', attrs: { role: 'status' } })
  const notice = h('div', { class: 'comments-notice' }, [
    noticeText,
    h('button', { class: 'icon-button icon-button--small comments-notice__close', attrs: { type: 'button', 'aria-label': 'Dismiss', title: 'Dismiss' }, on: { click: () => dismissNotice() } }, [icon(ICONS.close)]),
  ])
  const empty = h('p', { class: 'comments-panel__empty' })
  const list = h('div', { class: 'comments-panel__cards' })
  const header = h('header', { class: 'comments-panel__header' }, [
    h('h2', { class: 'comments-panel__title' }, ['Comments', count]),
    h('div', { class: 'comments-filter', attrs: { role: 'group', 'aria-label': 'Show comments' } }, filterButtons),
    close,
    notice,
  ])
  panel.classList.add('comments-panel')
  panel.replaceChildren(header, empty, list)
  const toggle = h('button', { class: 'button button--quiet comments-toggle', attrs: { type: 'button', 'aria-expanded': 'false' }, on: { click: () => setSheet(!sheetOpen) } }, [
    icon(COMMENT_ICONS.comment),
    h('span', { class: 'comments-toggle__label', text: 'Comments' }),
    h('span', { class: 'comments-toggle__count' }),
  ])

  const setFilter = (value: Filter) => {
    filter = value
    for (const button of filterButtons) button.setAttribute('aria-pressed', String(button.dataset.filter === value))
    render(threads, activeId)
  }

  const setSheet = (open: boolean) => {
    sheetOpen = open
    panel.classList.toggle('is-open', open)
    toggle.setAttribute('aria-expanded', String(open))
    if (!open && panel.contains(document.activeElement)) toggle.focus()
    schedule()
  }

  const notify = (text: string) => {
    showNotice('')
    noticeOpen = true
    render(threads, activeId)
    if (narrow.matches) setSheet(true)
    // Screen readers announce text that changes in a live region already on screen, and the panel
    // (or the sheet) may only be appearing now.
    noticeTimer = window.setTimeout(() => showNotice(text), ANNOUNCE_DELAY_MS)
  }

  const showNotice = (text: string) => {
    window.clearTimeout(noticeTimer)
    noticeText.textContent = text
    notice.classList.toggle('is-shown', text !== '')
  }

  const dismissNotice = () => {
    const hadFocus = notice.contains(document.activeElement)
    showNotice('')
    noticeOpen = false
    render(threads, activeId)
    if (hadFocus) {
      if (panel.hidden) view.focus()
      else filterButtons[0]!.focus()
    }
  }

  const shows = (entry: ThreadEntry) => filter === 'all' || (filter === 'resolved') === entry.thread.resolved

  /** Threads in document order; those whose text is gone come last, oldest first. */
  const ordered = (entries: readonly ThreadEntry[]) => {
    const { threads: placements } = options.placements()
    const at = (entry: ThreadEntry) => placements.get(entry.id)?.from ?? Infinity
    return [...entries].sort((a, b) => at(a) - at(b) || a.thread.createdAt - b.thread.createdAt)
  }

  const render = (next: readonly ThreadEntry[], nextActive: string | null) => {
    threads = next
    activeId = nextActive
    const { threads: placements } = options.placements()
    const visible = ordered(next.filter(shows))
    const seen = new Set<string>()
    for (const entry of visible) {
      seen.add(entry.id)
      const detached = placements.get(entry.id) === null
      let card = cards.get(entry.id)
      if (!card) {
        card = createThreadCard(entry, options.who, actions)
        cards.set(entry.id, card)
      }
      card.update(entry, detached)
      card.setActive(entry.id === activeId)
    }
    let lostFocus = false
    for (const [id, card] of cards) {
      if (seen.has(id)) continue
      lostFocus ||= card.element.contains(document.activeElement)
      card.element.remove()
      cards.delete(id)
    }
    // Reordering moves nodes only when needed, so focus and half-typed replies stay put.
    const wanted = [draft?.element, ...visible.map((entry) => cards.get(entry.id)!.element)].filter((element) => element !== undefined)
    wanted.forEach((element, index) => {
      if (list.children[index] !== element) list.insertBefore(element, list.children[index] ?? null)
    })
    // A thread resolved or deleted from its own card leaves the keyboard in the panel, not on the page.
    if (lostFocus) (wanted[0] ?? filterButtons[0]!).focus({ preventScroll: true })
    const open = next.filter((entry) => !entry.thread.resolved).length
    count.textContent = open > 0 ? String(open) : ''
    toggle.querySelector('.comments-toggle__count')!.textContent = open > 0 ? String(open) : ''
    toggle.setAttribute('aria-label', `Comments, ${open} open`)
    empty.textContent = visible.length === 0 && !draft ? FILTERS.find((f) => f.filter === filter)!.empty : ''
    const shown = next.length > 0 || draft !== null || noticeOpen
    panel.hidden = !shown
    toggle.hidden = !shown
    schedule()
  }

  const schedule = () => {
    if (frame) return
    frame = requestAnimationFrame(() => {
      frame = 0
      place()
    })
  }

  const place = () => {
    const beside = !narrow.matches && !panel.hidden
    workspace.style.setProperty('--side-panel-width', beside ? PANEL_WIDTH : '0px')
    if (!beside) {
      for (const element of list.children) (element as HTMLElement).style.top = ''
      list.style.height = ''
      return
    }
    const origin = list.getBoundingClientRect().top
    const { threads: placements, draft: draftPlacement } = options.placements()
    const topOf = (placement: Placement | undefined) => {
      if (!placement) return null
      try {
        return view.coordsAtPos(placement.from, 1).top - origin
      } catch {
        return null
      }
    }
    const boxes: CardBox[] = []
    if (draft) boxes.push({ id: '', anchorTop: topOf(draftPlacement), height: draft.element.offsetHeight })
    for (const element of list.children) {
      const id = (element as HTMLElement).dataset.threadId
      if (id !== undefined) boxes.push({ id, anchorTop: topOf(placements.get(id)), height: (element as HTMLElement).offsetHeight })
    }
    // The draft sits with the cards in text order, and is the one that gets its exact place.
    boxes.sort((a, b) => (a.anchorTop ?? Infinity) - (b.anchorTop ?? Infinity))
    const tops = placeCards(boxes, draft ? '' : activeId, CARD_GAP)
    let bottom = 0
    for (const box of boxes) {
      const element = box.id === '' ? draft!.element : cards.get(box.id)!.element
      const top = tops.get(box.id) ?? 0
      element.style.top = `${top}px`
      bottom = Math.max(bottom, top + box.height)
    }
    list.style.height = `${bottom + CARD_GAP}px`
  }

  const openDraft = (quote: string) => {
    closeDraft()
    const composer = createComposer({ label: 'Comment', placeholder: 'Add a comment…', submitLabel: 'Comment', onSubmit: (body) => actions.post(body), onCancel: () => actions.cancelDraft() })
    const element = h('section', { class: 'thread-card thread-card--draft is-active', attrs: { 'aria-label': 'New comment' } }, [
      h('blockquote', { class: 'thread-card__quote' }, [h('span', { class: 'thread-card__quote-text', text: quote })]),
      composer.element,
    ])
    draft = { element, composer }
    render(threads, activeId)
    if (narrow.matches) setSheet(true)
    composer.focus()
  }

  const closeDraft = () => {
    if (!draft) return
    const hadFocus = draft.element.contains(document.activeElement)
    draft.element.remove()
    draft = null
    render(threads, activeId)
    if (hadFocus) view.focus()
  }

  const reveal = (threadId: string, focus: 'card' | 'none') => {
    let card = cards.get(threadId)
    if (!card) {
      // Opened from the text while the filter hides it.
      setFilter('all')
      card = cards.get(threadId)
    }
    if (!card) return
    if (narrow.matches) setSheet(true)
    if (focus === 'card') card.element.focus({ preventScroll: true })
    if (narrow.matches) card.element.scrollIntoView({ block: 'nearest' })
  }

  panel.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || event.defaultPrevented) return
    actions.deactivate()
    if (narrow.matches) setSheet(false)
  })
  const timer = window.setInterval(() => {
    const now = Date.now()
    for (const time of panel.querySelectorAll<HTMLElement>('time[data-time]')) time.textContent = relativeTime(Number(time.dataset.time), now)
  }, TIME_REFRESH_MS)
  const resize = new ResizeObserver(schedule)
  resize.observe(list)
  resize.observe(view.dom)
  narrow.addEventListener('change', schedule)
  render([], null)

  return {
    render,
    openDraft,
    closeDraft,
    reveal,
    refresh: () => render(threads, activeId),
    notify,
    toggle,
    destroy() {
      window.clearInterval(timer)
      window.clearTimeout(noticeTimer)
      resize.disconnect()
      narrow.removeEventListener('change', schedule)
      if (frame) cancelAnimationFrame(frame)
    },
  }
}
