/**
 * JSON in localStorage that never throws: storage can be disabled, full, or hold values an
 * older version wrote, and none of that may keep the editor from opening.
 */

export function readJson<T>(key: string, accept: (value: unknown) => value is T): T | null {
  try {
    const raw = localStorage.getItem(key)
    if (raw === null) return null
    const value: unknown = JSON.parse(raw)
    return accept(value) ? value : null
  } catch {
    return null
  }
}

/** Returns false when the browser refused to store it. */
export function writeJson(key: string, value: unknown): boolean {
  try {
    localStorage.setItem(key, JSON.stringify(value))
    return true
  } catch {
    return false
  }
}

export function isString(value: unknown): value is string {
  return typeof value === 'string'
}
