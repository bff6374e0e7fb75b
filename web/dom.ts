/**
 * Builds DOM without ever parsing markup: text goes in through `textContent`, so names, titles
 * and links that come from other people can never become elements or scripts.
 */

export type Child = Node | string | null | undefined | false

export interface ElementProps {
  class?: string
  text?: string
  /** Attributes set verbatim; never pass `style` or event handlers from untrusted data. */
  attrs?: Record<string, string>
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>
}

/** `h('button', { class: 'primary', text: 'Save' })`; children are appended as nodes or text. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps = {}, children: Child[] = []): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  if (props.class) element.className = props.class
  if (props.text !== undefined) element.textContent = props.text
  for (const [name, value] of Object.entries(props.attrs ?? {})) element.setAttribute(name, value)
  for (const [type, listener] of Object.entries(props.on ?? {})) element.addEventListener(type, listener as EventListener)
  append(element, children)
  return element
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child)
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg'

/** An inline 24x24 stroke icon from our own static path data (never from user data). */
export function icon(paths: readonly string[]): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg')
  svg.setAttribute('viewBox', '0 0 24 24')
  svg.setAttribute('aria-hidden', 'true')
  svg.setAttribute('focusable', 'false')
  svg.classList.add('icon')
  for (const d of paths) {
    const path = document.createElementNS(SVG_NS, 'path')
    path.setAttribute('d', d)
    svg.appendChild(path)
  }
  return svg
}
