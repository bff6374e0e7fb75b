/** Schemes a link in the document may use; everything else is rendered without an href. */
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:'])

/** The href to render for a stored link, or null when it is not a plain web or mail link. */
export function safeHref(value: unknown): string | null {
  if (typeof value !== 'string') return null
  try {
    const url = new URL(value)
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null
  } catch {
    return null
  }
}

/** Turns what a person typed into a link ("example.com", "mailto:a@b.c") into an absolute href, or null. */
export function normalizeHref(input: string): string | null {
  const trimmed = input.trim()
  if (!trimmed) return null
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed)) return safeHref(trimmed)
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed)) return safeHref(`mailto:${trimmed}`)
  return safeHref(`https://${trimmed}`)
}
