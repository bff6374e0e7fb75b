import { h, icon } from '../dom.ts'
import { ICONS } from '../editor/icons.ts'

/**
 * Asks for the admin token in a password field. `error` explains why it asks again (a refused
 * token); the field then starts empty and marked invalid.
 */
export function showTokenForm(root: HTMLElement, onToken: (token: string) => void, error = ''): void {
  const input = h('input', {
    class: 'field__input',
    attrs: { id: 'admin-token', type: 'password', name: 'token', autocomplete: 'current-password', spellcheck: 'false', 'aria-describedby': 'admin-token-hint admin-token-error' },
  })
  const message = h('p', { class: 'field__error', text: error, attrs: { id: 'admin-token-error', role: 'alert' } })
  if (error) input.setAttribute('aria-invalid', 'true')
  const form = h('form', { class: 'admin-login__form', attrs: { novalidate: '' } }, [
    h('div', { class: 'field' }, [
      h('label', { class: 'field__label', text: 'Admin token', attrs: { for: 'admin-token' } }),
      input,
      h('p', { class: 'field__hint', text: 'The ADMIN_TOKEN the server was started with. It is kept in this tab only, until you close it or sign out.', attrs: { id: 'admin-token-hint' } }),
      message,
    ]),
    h('button', { class: 'button button--primary', text: 'Show figures', attrs: { type: 'submit' } }),
  ])
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const token = input.value.trim()
    if (token) return onToken(token)
    message.textContent = 'Enter the admin token.'
    input.setAttribute('aria-invalid', 'true')
    input.focus()
  })

  document.title = 'Server activity · Collab'
  root.replaceChildren(
    h('div', { class: 'app app--admin', attrs: { 'data-state': 'ask' } }, [
      h('header', { class: 'topbar' }, [h('a', { class: 'brand', attrs: { href: '/' } }, [icon(ICONS.file), h('span', { text: 'Collab' })])]),
      h('main', { class: 'admin-login' }, [
        h('div', { class: 'admin-login__card' }, [
          h('h1', { class: 'admin-login__title', text: 'Server activity' }),
          h('p', { class: 'admin-login__lead', text: 'Live figures of this server: connections, documents, traffic and latency.' }),
          form,
        ]),
      ]),
    ]),
  )
  input.focus()
}
