import { h, icon } from './dom.ts'
import { ICONS } from './editor/icons.ts'

export interface Dialog {
  element: HTMLDialogElement
  body: HTMLElement
  footer: HTMLElement
  /** Opens as a modal; focus moves to `focus` (or the first field) and returns where it was on close. */
  open(focus?: HTMLElement): void
  close(): void
  /** Runs once each time the dialog closes, however it was closed. */
  onClose(listener: () => void): void
}

let nextId = 0

/**
 * A modal built on `<dialog>`: the browser traps focus, closes it on Escape and makes the page
 * behind it inert, so each dialog only fills in its body and footer.
 */
export function createDialog(title: string, options: { dismissible?: boolean; class?: string } = {}): Dialog {
  const titleId = `dialog-title-${++nextId}`
  const body = h('div', { class: 'dialog__body' })
  const footer = h('div', { class: 'dialog__footer' })
  const header = h('header', { class: 'dialog__header' }, [h('h2', { class: 'dialog__title', text: title, attrs: { id: titleId } })])
  const element = h('dialog', { class: `dialog ${options.class ?? ''}`.trim(), attrs: { 'aria-labelledby': titleId } }, [header, body, footer])
  const dismissible = options.dismissible !== false
  let returnFocus: HTMLElement | null = null
  const closeListeners: Array<() => void> = []

  if (dismissible) {
    const closeButton = h('button', { class: 'icon-button dialog__close', attrs: { type: 'button', 'aria-label': 'Close' }, on: { click: () => element.close() } }, [icon(ICONS.close)])
    header.appendChild(closeButton)
    // A click on the backdrop lands on the dialog element itself.
    element.addEventListener('click', (event) => {
      if (event.target === element) element.close()
    })
  } else {
    element.addEventListener('cancel', (event) => event.preventDefault())
  }
  element.addEventListener('close', () => {
    for (const listener of closeListeners) listener()
    returnFocus?.focus()
    returnFocus = null
  })

  return {
    element,
    body,
    footer,
    open(focus) {
      if (!element.isConnected) document.body.appendChild(element)
      returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null
      element.showModal()
      ;(focus ?? element.querySelector<HTMLElement>('input, button:not(.dialog__close)'))?.focus()
    },
    close: () => element.close(),
    onClose: (listener) => closeListeners.push(listener),
  }
}
