/** A piece of a comment body: plain text, or a link with the text it was written as. */
export interface BodyPart {
  text: string
  href?: string
}

const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi
/** Punctuation that usually ends the sentence around a link rather than the link itself. */
const TRAILING = /[.,;:!?'")\]}]+$/

/**
 * Splits a comment body into text and links. Only plain `http:` and `https:` URLs become links,
 * and only after the URL parser agrees; everything else stays text, so a body can never carry
 * markup, a script or a `javascript:` link.
 */
export function linkParts(body: string): BodyPart[] {
  const parts: BodyPart[] = []
  let rest = 0
  for (const found of body.matchAll(URL_CANDIDATE)) {
    const start = found.index
    const raw = trimTrailing(found[0])
    const href = safeWebUrl(raw)
    if (!href) continue
    if (start > rest) parts.push({ text: body.slice(rest, start) })
    parts.push({ text: raw, href })
    rest = start + raw.length
  }
  if (rest < body.length) parts.push({ text: body.slice(rest) })
  return parts
}

/** Drops sentence punctuation after a URL, but keeps a closing parenthesis the URL opened ("…/Rust_(language)"). */
function trimTrailing(candidate: string): string {
  let url = candidate
  for (;;) {
    const trailing = TRAILING.exec(url)?.[0]
    if (!trailing) return url
    const last = trailing.at(-1)!
    if (last === ')' && count(url, '(') >= count(url, ')')) return url
    url = url.slice(0, -1)
  }
}

function count(text: string, char: string): number {
  return text.split(char).length - 1
}

function safeWebUrl(raw: string): string | null {
  try {
    const url = new URL(raw)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
  } catch {
    return null
  }
}
