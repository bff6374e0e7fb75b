import { createDialog } from './dialog.ts'
import { h } from './dom.ts'
import { cleanDisplayName } from './identity-store.ts'
import { LIMITS } from '../shared/protocol.ts'

/**
 * Asks for the name others see next to this person's caret. Resolves with the cleaned name,
 * or null when the dialog was dismissed.
 */
export function askDisplayName(current: string | null): Promise<string | null> {
  const dialog = createDialog(current ? 'Change your name' : 'What should others call you?', { class: 'dialog--small' })
  const input = h('input', {
    class: 'field__input',
    attrs: { type: 'text', id: 'display-name', autocomplete: 'name', maxlength: String(LIMITS.maxUserNameLength), required: '', placeholder: 'Your name' },
  })
  input.value = current ?? ''
  const form = h('form', { class: 'field' }, [
    h('label', { class: 'field__label', text: 'Display name', attrs: { for: 'display-name' } }),
    input,
    h('p', { class: 'field__hint', text: 'Shown to people in the same document. Stored only in this browser.' }),
  ])
  dialog.body.appendChild(form)
  const submit = h('button', { class: 'button button--primary', text: current ? 'Save' : 'Continue', attrs: { type: 'button' }, on: { click: () => form.requestSubmit() } })
  dialog.footer.appendChild(submit)

  return new Promise((resolve) => {
    let result: string | null = null
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      const name = cleanDisplayName(input.value)
      if (!name) return input.focus()
      result = name
      dialog.close()
    })
    dialog.onClose(() => {
      dialog.element.remove()
      resolve(result)
    })
    dialog.open(input)
    input.select()
  })
}
