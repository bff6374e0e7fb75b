import { io, type Socket } from 'socket.io-client'
import { ADMIN_NAMESPACE } from '../../shared/protocol.ts'
import { parseSample, type MetricsSample } from './rates.ts'

/**
 * - `connecting`: the first attempt is under way.
 * - `live`: connected; a sample arrives about once a second.
 * - `reconnecting`: the connection dropped, or an attempt failed to reach the server; Socket.IO retries.
 * - `refused`: the server does not accept this token. Not retried.
 * - `unavailable`: the server has no admin view (it runs without ADMIN_TOKEN). Not retried.
 */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'refused' | 'unavailable'

/** The one event `/admin` sends; the payload is checked by `parseSample`, not trusted. */
interface AdminEvents {
  metrics: (payload: unknown) => void
}

export interface MetricsHandlers {
  state(state: ConnectionState): void
  /** Each `live` state starts a fresh run of samples (see `RateHistory.restart`). */
  sample(sample: MetricsSample): void
}

export interface MetricsConnection {
  close(): void
}

/** Connects to the page's own server's `/admin` namespace with the admin token. */
export function connectMetrics(token: string, handlers: MetricsHandlers): MetricsConnection {
  const socket: Socket<AdminEvents> = io(ADMIN_NAMESPACE, {
    auth: { token },
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
  })
  handlers.state('connecting')
  socket.on('connect', () => handlers.state('live'))
  socket.on('metrics', (payload) => {
    const sample = parseSample(payload)
    if (sample) handlers.sample(sample)
  })
  socket.on('disconnect', (reason) => {
    handlers.state('reconnecting')
    // Only a disconnect the server asked for is not retried by Socket.IO itself.
    if (reason === 'io server disconnect') socket.connect()
  })
  socket.on('connect_error', (error) => {
    // An unreachable server leaves the socket active and retrying; a refusal ends it.
    if (socket.active) return handlers.state('reconnecting')
    // The admin middleware refuses with `data.code`; a namespace the server never opened answers "Invalid namespace".
    const code = (error as Error & { data?: { code?: unknown } }).data?.code
    handlers.state(code === 'forbidden' ? 'refused' : 'unavailable')
  })
  return {
    close() {
      socket.removeAllListeners()
      socket.disconnect()
    },
  }
}
