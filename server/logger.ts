import { pino, type Logger } from 'pino'

export type { Logger }

/**
 * Structured logs go to stderr so that stdout carries only the "listening on" line.
 * Tokens never reach a log: no log call is given a token, and these paths are redacted
 * in case a request object is ever logged.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      redact: ['req.headers.authorization', 'token', 'auth.identity', 'identity'],
    },
    pino.destination(2),
  )
}
