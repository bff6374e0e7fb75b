import { COMMENT_LIMITS } from '../../shared/comments.ts'
import { h } from '../dom.ts'
import { shortcutLabel } from '../editor/keymap.ts'

export interface ComposerOptions {
  /** The field's accessible name ("Comment", "Reply", "Edit comment"). */
  label: string
  placeholder: string
  submitLabel: string
  initial?: string
  /** Shows the buttons only once something is typed (the reply box under a thread). */
  quiet?: boolean
  onSubmit(body: string): void
  /** Without it there is no Cancel button, and Escape only leaves the field. */
  onCancel?: () => void
}

export interface Composer {
  element: HTMLFormElement
  focus(): void
}

/**
 * The box comments are written in: a growing text field with Post and Cancel. Ctrl+Enter (⌘↵)
 * posts, Escape cancels. Empty or over-long text cannot be posted.
 */
export function createComposer(options: ComposerOptions): Composer {
  const field = h('textarea', {
    class: 'composer__field',
    attrs: { rows: '1', 'aria-label': options.label, placeholder: options.placeholder, maxlength: String(COMMENT_LIMITS.maxBodyLength) },
  })
  field.value = options.initial ?? ''
  const submit = h('button', { class: 'button button--primary button--small', text: options.submitLabel, attrs: { type: 'submit', title: `${options.submitLabel} (${shortcutLabel('Mod-Enter')})` } })
  const cancel = options.onCancel
    ? h('button', { class: 'button button--quiet button--small', text: 'Cancel', attrs: { type: 'button' }, on: { click: () => options.onCancel?.() } })
    : null
  const actions = h('div', { class: 'composer__actions' }, [cancel, submit])
  const element = h('form', { class: `composer${options.quiet ? ' composer--quiet' : ''}` }, [field, actions])

  const body = () => field.value.trim()
  const refresh = () => {
    submit.disabled = body() === ''
    element.classList.toggle('has-text', field.value !== '')
    // Grow with the text: measure from one row each time so it can shrink again.
    field.style.height = 'auto'
    field.style.height = `${field.scrollHeight}px`
  }
  const clear = () => {
    field.value = ''
    refresh()
  }

  element.addEventListener('submit', (event) => {
    event.preventDefault()
    if (body() === '') return
    options.onSubmit(body())
    clear()
  })
  field.addEventListener('input', refresh)
  field.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault()
      element.requestSubmit()
    } else if (event.key === 'Escape') {
      event.preventDefault()
      event.stopPropagation()
      if (options.onCancel) options.onCancel()
      else {
        clear()
        field.blur()
      }
    }
  })
  // Measured once it is on the page.
  requestAnimationFrame(refresh)
  refresh()

  return {
    element,
    focus() {
      field.focus()
      field.setSelectionRange(field.value.length, field.value.length)
    },
  }
}
