import { h } from '../dom.ts'
import { formatBytes, formatBytesRate, formatCount, formatMs, formatRate } from './format.ts'
import type { MetricsSample, Rates } from './rates.ts'

/** What the cards show: the latest sample, and the rates since the one before (null until there are two). */
export interface Snapshot {
  sample: MetricsSample
  rates: Rates | null
}

interface Card {
  /** `data-figure` on the card, for styles and tests. */
  figure: string
  label: string
  value(now: Snapshot): string
  detail(now: Snapshot): string
  /** Worth a second look: the card is marked (never for a plain count that is just busy). */
  alert?(now: Snapshot): boolean
}

const UNKNOWN_RATES = { updatesIn: NaN, updatesOut: NaN, bytesIn: NaN, bytesOut: NaN, joins: NaN, ackMs: NaN }
const rates = (now: Snapshot) => now.rates ?? UNKNOWN_RATES
const sinceStart = (text: string) => `${text} since start`
/** Every figure is summed over the nodes that answered the server this page talks to. */
const onNodes = (nodes: number) => (nodes > 1 ? `on ${formatCount(nodes)} nodes` : 'on this node')

/** One row each: who is here, what flows, how healthy. */
const ROWS: Card[][] = [
  [
    { figure: 'sockets', label: 'Connected sockets', value: (now) => formatCount(now.sample.collab_connected_sockets), detail: (now) => onNodes(now.sample.collab_nodes) },
    { figure: 'documents', label: 'Open documents', value: (now) => formatCount(now.sample.collab_loaded_documents), detail: (now) => `${formatCount(now.sample.collab_sleeping_documents)} asleep` },
    { figure: 'presence', label: 'Presence states', value: (now) => formatCount(now.sample.collab_awareness_states), detail: () => 'cursors and names' },
    { figure: 'joins', label: 'Joins', value: (now) => formatCount(now.sample.collab_joins_total), detail: (now) => `${formatRate(rates(now).joins)} now` },
  ],
  [
    { figure: 'updates-in', label: 'Updates in', value: (now) => formatRate(rates(now).updatesIn), detail: (now) => sinceStart(formatCount(now.sample.collab_updates_received_total)) },
    { figure: 'updates-out', label: 'Updates out', value: (now) => formatRate(rates(now).updatesOut), detail: (now) => sinceStart(formatCount(now.sample.collab_updates_sent_total)) },
    { figure: 'bytes-in', label: 'Bytes in', value: (now) => formatBytesRate(rates(now).bytesIn), detail: (now) => sinceStart(formatBytes(now.sample.collab_update_bytes_received_total)) },
    { figure: 'bytes-out', label: 'Bytes out', value: (now) => formatBytesRate(rates(now).bytesOut), detail: (now) => sinceStart(formatBytes(now.sample.collab_update_bytes_sent_total)) },
  ],
  [
    {
      figure: 'ack',
      label: 'Ack latency',
      value: (now) => formatMs(rates(now).ackMs),
      detail: (now) => sinceStart(formatMs(now.sample.collab_update_ack_seconds_mean * 1000)),
    },
    {
      figure: 'store-failures',
      label: 'Store failures',
      value: (now) => formatCount(now.sample.collab_store_failures_total),
      detail: () => 'since start',
      alert: (now) => now.sample.collab_store_failures_total > 0,
    },
    { figure: 'refused', label: 'Refused events', value: (now) => formatCount(now.sample.collab_refused_events_total), detail: () => 'answered with an error' },
  ],
]

/** The figure cards: a description list per row, one group per figure, filled in by `show`. */
export function createCards(): { element: HTMLElement; show(now: Snapshot): void } {
  const build = (card: Card) => {
    const value = h('dd', { class: 'admin-card__value', text: '—' })
    const detail = h('dd', { class: 'admin-card__detail', text: '\u00a0' })
    const element = h('div', { class: 'admin-card', attrs: { 'data-figure': card.figure } }, [h('dt', { class: 'admin-card__label', text: card.label }), value, detail])
    return { card, element, value, detail }
  }
  const rows = ROWS.map((row) => row.map(build))
  return {
    element: h('div', { class: 'admin-cards' }, rows.map((row) => h('dl', { class: 'admin-cards__row' }, row.map((built) => built.element)))),
    show(now) {
      for (const { card, element, value, detail } of rows.flat()) {
        value.textContent = card.value(now)
        detail.textContent = card.detail(now)
        element.toggleAttribute('data-alert', card.alert?.(now) ?? false)
      }
    },
  }
}
