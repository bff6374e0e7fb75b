import type { ErrorCode, ErrorReply } from '../shared/protocol.ts'

/** An error that reaches the client as `{ ok: false, code, message }`. Thrown inside, caught once per event at the edge. */
export class CollabError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'CollabError'
    this.code = code
  }
}

/** The reply for any thrown value; unexpected errors become `unavailable` without leaking details. */
export function errorReply(error: unknown): ErrorReply {
  if (error instanceof CollabError) return { ok: false, code: error.code, message: error.message }
  return { ok: false, code: 'unavailable', message: 'the server could not complete this request' }
}
