/**
 * The admin token, kept in sessionStorage: it survives a reload but not the tab, and it is
 * never put in the URL, where history, logs and Referer headers would keep it.
 */

const KEY = 'collab.adminToken'

export function readAdminToken(): string | null {
  try {
    return sessionStorage.getItem(KEY) || null
  } catch {
    return null
  }
}

export function saveAdminToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token)
  } catch {
    // Storage can be disabled: this page still uses the token, and a reload asks for it again.
  }
}

export function forgetAdminToken(): void {
  try {
    sessionStorage.removeItem(KEY)
  } catch {
    // Storage that cannot be read holds nothing to forget.
  }
}
