import { ROLES, roleAtLeast, shareLink, type Role } from '../shared/protocol.ts'
import { ApiError, rotateLink, tokenFromLink } from './api.ts'
import { createDialog } from './dialog.ts'
import { h, icon } from './dom.ts'
import { knownDocument, rememberDocument } from './doc-store.ts'
import { ICONS } from './editor/icons.ts'

const ROLE_INFO: Record<Role, { name: string; description: string }> = {
  owner: { name: 'Owner', description: 'Full access, including these links' },
  editor: { name: 'Can edit', description: 'Edit the text and comment' },
  commenter: { name: 'Can comment', description: 'Read and comment, not edit' },
  viewer: { name: 'Can view', description: 'Read only' },
}

export interface ShareOptions {
  id: string
  /** The role of the link this page was opened with. */
  role: Role
  /** The owner token, for rotating links (owners only). */
  ownerToken: string | null
  /** Called after a link was replaced, with its role and new token. */
  onRotated(role: Role, token: string): void
}

/**
 * The share dialog: the link for every role this person may hand out (those at or below their
 * own), each to copy. Only links this browser knows can be shown, since the server never hands
 * out existing tokens; an owner can replace any link, which cuts off everyone using the old one.
 */
export function openShareDialog(options: ShareOptions): void {
  const dialog = createDialog('Share this document', { class: 'dialog--share' })
  const list = h('ul', { class: 'share-list' })
  const intro = h('p', { class: 'dialog__intro', text: 'Anyone with a link can open the document with that access. Links are kept only in this browser.' })
  dialog.body.append(intro, list)

  const render = () => {
    const tokens = knownDocument(options.id)?.tokens ?? {}
    const roles = [...ROLES].reverse().filter((role) => roleAtLeast(options.role, role) && (tokens[role] || options.ownerToken))
    list.replaceChildren(...roles.map((role) => row(role, tokens[role] ?? null)))
    if (roles.length === 0) list.appendChild(h('li', { class: 'share-row__empty', text: 'This browser knows no link it could share. Ask the owner for one.' }))
  }

  const row = (role: Role, token: string | null): HTMLElement => {
    const info = ROLE_INFO[role]
    const labelId = `share-${role}`
    const text = h('div', { class: 'share-row__text' }, [h('span', { class: 'share-row__role', text: info.name, attrs: { id: labelId } }), h('span', { class: 'share-row__description', text: info.description })])
    const actions = h('div', { class: 'share-row__actions' })
    const item = h('li', { class: 'share-row', attrs: { 'data-role': role } }, [text, actions])
    const feedback = h('p', { class: 'share-row__feedback', attrs: { role: 'status', 'aria-live': 'polite' } })

    if (token) {
      const url = new URL(shareLink(options.id, token), location.origin).href
      const field = h('input', { class: 'field__input share-row__link', attrs: { type: 'text', readonly: '', 'aria-labelledby': labelId, value: url } })
      field.addEventListener('focus', () => field.select())
      const copy = h('button', { class: 'button', attrs: { type: 'button', 'aria-label': `Copy ${info.name.toLowerCase()} link` } }, [icon(ICONS.copy), h('span', { text: 'Copy' })])
      copy.addEventListener('click', () => void copyText(url, field).then((ok) => (feedback.textContent = ok ? 'Link copied' : 'Select the link and copy it')))
      actions.append(field, copy)
    } else {
      actions.append(h('span', { class: 'share-row__unknown', text: 'Not stored in this browser' }))
    }
    if (options.ownerToken) {
      const rotate = h('button', {
        class: 'button button--quiet',
        attrs: { type: 'button', 'aria-label': token ? `Replace ${info.name.toLowerCase()} link` : `Create ${info.name.toLowerCase()} link` },
      }, [icon(ICONS.refresh), h('span', { text: token ? 'Replace' : 'Create link' })])
      rotate.addEventListener('click', () => confirmRotation(item, role, feedback))
      actions.append(rotate)
    }
    item.append(feedback)
    return item
  }

  const confirmRotation = (item: HTMLElement, role: Role, feedback: HTMLElement) => {
    const cancel = h('button', { class: 'button', text: 'Cancel', attrs: { type: 'button' }, on: { click: render } })
    const confirm = h('button', { class: 'button button--danger', text: 'Replace link', attrs: { type: 'button' } })
    const warning = role === options.role ? 'Your own link changes too; this page reopens with the new one.' : 'Everyone using the current link loses access at once.'
    const panel = h('div', { class: 'share-row__confirm', attrs: { role: 'group', 'aria-label': 'Confirm replacing the link' } }, [h('p', { text: warning }), cancel, confirm])
    confirm.addEventListener('click', async () => {
      confirm.disabled = true
      try {
        const { link } = await rotateLink(options.id, role, options.ownerToken!)
        const token = tokenFromLink(link)
        if (!token) throw new Error('the server answered without a token')
        rememberDocument(options.id, { tokens: { [role]: token } })
        render()
        list.querySelector(`[data-role="${role}"] .share-row__feedback`)!.textContent = 'New link created; the old one no longer works'
        options.onRotated(role, token)
      } catch (error) {
        confirm.disabled = false
        feedback.textContent = error instanceof ApiError ? error.message : 'Could not reach the server. Try again when you are online.'
      }
    })
    item.querySelector('.share-row__actions')!.replaceChildren(panel)
    confirm.focus()
  }

  render()
  dialog.onClose(() => dialog.element.remove())
  dialog.open()
}

async function copyText(text: string, field: HTMLInputElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    // Clipboard access can be refused (permissions, insecure origin): leave the link selected to copy by hand.
    field.focus()
    field.select()
    return false
  }
}
