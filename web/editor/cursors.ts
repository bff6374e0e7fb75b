import type { DecorationAttrs } from 'prosemirror-view'
import { safeColor } from '../colors.ts'
import { h } from '../dom.ts'

/** Grey for a peer whose color is not a valid `#rrggbb` (the server drops those, but a caret must not break). */
const FALLBACK_COLOR = '#868e96'

interface RemoteUser {
  name?: unknown
  color?: unknown
}

function displayNameOf(user: RemoteUser | undefined): string {
  return typeof user?.name === 'string' && user.name.trim() ? user.name : 'Anonymous'
}

/**
 * A remote caret with its name label, for y-prosemirror's cursor plugin. Built with
 * `textContent` and a validated color only: the name and color are whatever the peer sent.
 */
export function buildCursor(user: RemoteUser): HTMLElement {
  const color = safeColor(user.color) ?? FALLBACK_COLOR
  const label = h('span', { class: 'remote-caret__label', text: displayNameOf(user) })
  label.style.backgroundColor = color
  const caret = h('span', { class: 'remote-caret', attrs: { 'aria-hidden': 'true' } }, ['\u2060', label, '\u2060'])
  caret.style.borderColor = color
  return caret
}

/** A remote selection: the peer's color at low opacity; `color` has been checked, so it cannot break out of the style. */
export function buildSelection(user: RemoteUser): DecorationAttrs {
  const color = safeColor(user.color) ?? FALLBACK_COLOR
  return { class: 'remote-selection', style: `background-color: ${color}33` }
}
