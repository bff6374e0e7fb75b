import { h, icon } from '../dom.ts'
import { ICONS } from '../editor/icons.ts'
import { createCards, type Snapshot } from './cards.ts'
import { TimeChart } from './chart.ts'
import { formatMs, formatRate } from './format.ts'
import type { ConnectionState } from './metrics-connection.ts'
import { HISTORY_MS, type Rates } from './rates.ts'

/** The states the dashboard itself shows; refusals replace it with another screen. */
export type LiveState = Extract<ConnectionState, 'connecting' | 'live' | 'reconnecting'>

const STATUS: Record<LiveState, { text: string; detail: string }> = {
  connecting: { text: 'Connecting…', detail: '' },
  live: { text: 'Live', detail: ' · updated every second' },
  reconnecting: { text: 'Reconnecting…', detail: ' · showing the last figures received' },
}

export interface Dashboard {
  element: HTMLElement
  setState(state: LiveState): void
  /** The latest figures, and the rates of the last few minutes for the chart (oldest first). */
  show(now: Snapshot, history: readonly Rates[]): void
  destroy(): void
}

/** The live figures page: a status line, the cards, and the chart of the last five minutes. */
export function createDashboard(onSignOut: () => void): Dashboard {
  const statusText = h('span', { class: 'status__text' })
  const statusDetail = h('span', { class: 'status__detail' })
  // Screen readers hear connection changes, not every second's figures.
  const announcer = h('span', { class: 'visually-hidden', attrs: { role: 'status' } })
  const status = h('div', { class: 'status' }, [h('span', { class: 'status__dot', attrs: { 'aria-hidden': 'true' } }), statusText, statusDetail, announcer])
  const cards = createCards()
  const canvas = h('canvas', {
    class: 'admin-chart__canvas',
    attrs: { role: 'img', 'aria-label': 'Chart of updates per second in and out, and ack latency, over the last five minutes. The cards above give the current values.' },
  })
  const chart = new TimeChart<Rates>(canvas, {
    windowMs: HISTORY_MS,
    // Samples come every second; a few missing mean the connection was lost.
    gapMs: 3500,
    series: [
      { color: '--chart-in', axis: 'left', value: (point) => point.updatesIn },
      { color: '--chart-out', axis: 'left', value: (point) => point.updatesOut },
      { color: '--chart-ack', axis: 'right', dashed: true, value: (point) => point.ackMs },
    ],
    left: { title: 'updates/s', minTop: 4, format: formatRate },
    right: { title: 'ack latency', minTop: 1, format: formatMs },
    emptyText: 'Waiting for figures…',
  })

  const legendItem = (name: string, text: string) =>
    h('li', { class: 'admin-legend__item' }, [h('span', { class: `admin-legend__swatch admin-legend__swatch--${name}`, attrs: { 'aria-hidden': 'true' } }), text])
  const element = h('div', { class: 'app app--admin', attrs: { 'data-state': 'connecting' } }, [
    h('header', { class: 'topbar' }, [
      h('a', { class: 'brand', attrs: { href: '/' } }, [icon(ICONS.file), h('span', { text: 'Collab' })]),
      h('div', { class: 'topbar__title' }, [h('h1', { class: 'admin__title', text: 'Server activity' }), status]),
      h('div', { class: 'topbar__actions' }, [h('button', { class: 'button button--quiet', text: 'Sign out', attrs: { type: 'button' }, on: { click: onSignOut } })]),
    ]),
    h('main', { class: 'admin' }, [
      h('p', { class: 'admin__lead', text: 'Figures from the server node this page is connected to; rates are averaged over the last second.' }),
      h('section', { class: 'admin__section', attrs: { 'aria-labelledby': 'admin-now' } }, [h('h2', { class: 'admin__subtitle', text: 'Now', attrs: { id: 'admin-now' } }), cards.element]),
      h('section', { class: 'admin__section admin-chart', attrs: { 'aria-labelledby': 'admin-history' } }, [
        h('div', { class: 'admin-chart__header' }, [
          h('h2', { class: 'admin__subtitle', text: 'Last 5 minutes', attrs: { id: 'admin-history' } }),
          h('ul', { class: 'admin-legend', attrs: { 'aria-label': 'Chart legend' } }, [
            legendItem('in', 'Updates in'),
            legendItem('out', 'Updates out'),
            legendItem('ack', 'Ack latency (right axis)'),
          ]),
        ]),
        h('div', { class: 'admin-chart__plot' }, [canvas]),
      ]),
    ]),
  ])

  let announced: LiveState = 'connecting'
  return {
    element,
    setState(state) {
      element.dataset.state = state
      status.dataset.state = state
      statusText.textContent = STATUS[state].text
      statusDetail.textContent = STATUS[state].detail
      if (state !== announced) announcer.textContent = STATUS[state].text
      announced = state
    },
    show(now, history) {
      cards.show(now)
      chart.update(history, now.sample.at)
      canvas.dataset.points = String(history.length)
    },
    destroy() {
      chart.destroy()
    },
  }
}
