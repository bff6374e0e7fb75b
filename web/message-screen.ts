import { h } from './dom.ts'

export interface Message {
  title: string
  body: string
  /** A way onward; by default back to the home page. */
  action?: { label: string; href: string }
}

/** What a person sees instead of a blank page when a document cannot be opened. */
export const MESSAGES = {
  revoked: {
    title: 'This link no longer works',
    body: 'The owner of this document replaced the link you used. Ask them for the new one. Anything you wrote that had not reached the server is still kept in this browser.',
  },
  notFound: {
    title: 'Document not found',
    body: 'There is no document at this address. It may have been mistyped, or the link may be incomplete.',
  },
  forbidden: {
    title: 'This link is not valid',
    body: 'The link does not grant access to this document. Check that you copied all of it, or ask the owner for a new one.',
  },
  missingToken: {
    title: 'This link is incomplete',
    body: 'A share link ends with “#token=…”. Copy the whole link from the person who shared it.',
  },
  failed: {
    title: 'The document could not be opened',
    body: 'Something went wrong while loading it. Reload the page to try again; nothing you wrote is lost.',
  },
  pageNotFound: {
    title: 'Page not found',
    body: 'There is nothing at this address.',
  },
} satisfies Record<string, Message>

/** Replaces the page with a message; focus moves to its heading so screen readers announce it. */
export function showMessage(root: HTMLElement, message: Message): void {
  const heading = h('h1', { class: 'message__title', text: message.title, attrs: { tabindex: '-1' } })
  const action = message.action ?? { label: 'Go to your documents', href: '/' }
  root.replaceChildren(
    h('main', { class: 'message', attrs: { 'data-message': message.title } }, [
      h('div', { class: 'message__card' }, [heading, h('p', { class: 'message__body', text: message.body }), h('a', { class: 'button button--primary', text: action.label, attrs: { href: action.href } })]),
    ]),
  )
  document.title = `${message.title} · Collab`
  heading.focus()
}
