import type { Command } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'
import { createDialog } from '../dialog.ts'
import { h } from '../dom.ts'
import { applyLink, linkAt } from './commands.ts'
import { normalizeHref } from './links.ts'

/**
 * Mod-k and the toolbar's link button: asks for the address of the link on the selection (or of
 * the link the caret is in), and sets, changes or removes it.
 */
export function linkCommand(): Command {
  return (state, dispatch, view) => {
    const existing = linkAt(state)
    if (state.selection.empty && !existing) return false
    if (dispatch && view) openLinkDialog(view, existing)
    return true
  }
}

function openLinkDialog(view: EditorView, existing: { href: string; from: number; to: number } | null): void {
  const range = existing ?? { from: view.state.selection.from, to: view.state.selection.to }
  const dialog = createDialog(existing ? 'Edit link' : 'Add link', { class: 'dialog--small' })
  const input = h('input', {
    class: 'field__input',
    attrs: { type: 'text', inputmode: 'url', id: 'link-href', placeholder: 'https://example.com', autocomplete: 'off', spellcheck: 'false' },
  })
  input.value = existing?.href ?? ''
  const error = h('p', { class: 'field__error', attrs: { role: 'alert' } })
  const form = h('form', { class: 'field', attrs: { method: 'dialog' } }, [h('label', { class: 'field__label', text: 'Link address', attrs: { for: 'link-href' } }), input, error])
  dialog.body.appendChild(form)

  const apply = (href: string | null) => {
    applyLink(range, href)(view.state, view.dispatch)
    dialog.close()
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const href = normalizeHref(input.value)
    if (!href) {
      error.textContent = 'Enter a web address (https://…) or an email address.'
      input.setAttribute('aria-invalid', 'true')
      return
    }
    apply(href)
  })
  if (existing) dialog.footer.appendChild(h('button', { class: 'button button--quiet', text: 'Remove link', attrs: { type: 'button' }, on: { click: () => apply(null) } }))
  dialog.footer.append(
    h('button', { class: 'button', text: 'Cancel', attrs: { type: 'button' }, on: { click: () => dialog.close() } }),
    h('button', { class: 'button button--primary', text: 'Apply', attrs: { type: 'button' }, on: { click: () => form.requestSubmit() } }),
  )
  dialog.onClose(() => {
    dialog.element.remove()
    view.focus()
  })
  dialog.open(input)
  input.select()
}
