/**
 * From the server's running totals to what is happening now. The `/admin` namespace sends
 * counters that only grow (updates received so far, acks so far with their mean latency);
 * per-second rates and the latency of the last interval are differences between two samples.
 * Pure: no DOM, no sockets, so it is tested in Node.
 */

/** The figures this page reads from a `metrics` event, as `summary()` in server/metrics.ts names them. */
export const FIGURES = [
  'collab_nodes',
  'collab_connected_sockets',
  'collab_loaded_documents',
  'collab_sleeping_documents',
  'collab_awareness_states',
  'collab_joins_total',
  'collab_updates_received_total',
  'collab_update_bytes_received_total',
  'collab_updates_sent_total',
  'collab_update_bytes_sent_total',
  'collab_refused_events_total',
  'collab_update_ack_seconds_count',
  'collab_update_ack_seconds_mean',
  'collab_store_failures_total',
] as const
export type Figure = (typeof FIGURES)[number]

/** One `metrics` event. `at` is the server's clock in ms; a figure it did not send is NaN. */
export type MetricsSample = { at: number } & Record<Figure, number>

/** What happened between two samples. NaN where it cannot be known (see `ratesBetween`). */
export interface Rates {
  /** The end of the interval: the later sample's `at`, in ms. */
  at: number
  updatesIn: number
  updatesOut: number
  /** Bytes per second. */
  bytesIn: number
  bytesOut: number
  joins: number
  /** Mean time from receiving an update to acknowledging it, over the interval, in ms. */
  ackMs: number
}

/** Reads a `metrics` payload; null when it is not an object with a time. */
export function parseSample(payload: unknown): MetricsSample | null {
  if (typeof payload !== 'object' || payload === null) return null
  const record = payload as Record<string, unknown>
  if (!isFiniteNumber(record.at)) return null
  const sample = { at: record.at } as MetricsSample
  for (const figure of FIGURES) {
    const value = record[figure]
    sample[figure] = isFiniteNumber(value) ? value : NaN
  }
  return sample
}

/**
 * Rates over the interval from `previous` to `current`; null when time did not move forward.
 * A counter that went down was reset (a restarted server), so its rate for this interval is
 * NaN rather than negative; so are all rates when the number of nodes summed changed. Latency
 * is NaN when nothing was measured in the interval.
 */
export function ratesBetween(previous: MetricsSample, current: MetricsSample): Rates | null {
  const seconds = (current.at - previous.at) / 1000
  if (!(seconds > 0)) return null
  // Totals over a different set of nodes are not comparable.
  const sameNodes = Object.is(current.collab_nodes, previous.collab_nodes)
  const perSecond = (figure: Figure) => {
    const delta = current[figure] - previous[figure]
    return sameNodes && delta >= 0 ? delta / seconds : NaN
  }
  return {
    at: current.at,
    updatesIn: perSecond('collab_updates_received_total'),
    updatesOut: perSecond('collab_updates_sent_total'),
    bytesIn: perSecond('collab_update_bytes_received_total'),
    bytesOut: perSecond('collab_update_bytes_sent_total'),
    joins: perSecond('collab_joins_total'),
    ackMs: sameNodes ? ackMs(previous, current) : NaN,
  }
}

/**
 * The server sends the ack histogram as its count and its mean since start; mean * count is
 * the total, so the interval's mean is the growth of the total over the growth of the count.
 */
function ackMs(previous: MetricsSample, current: MetricsSample): number {
  const count = (sample: MetricsSample) => sample.collab_update_ack_seconds_count
  const total = (sample: MetricsSample) => sample.collab_update_ack_seconds_mean * count(sample)
  const measured = count(current) - count(previous)
  if (!(measured > 0)) return NaN
  // Rebuilding totals from rounded means can come out a hair below zero.
  return Math.max(0, ((total(current) - total(previous)) / measured) * 1000)
}

/** How far back the chart looks, in ms. */
export const HISTORY_MS = 5 * 60_000

/** The samples of one connection turned into a rolling window of rates, oldest first. */
export class RateHistory {
  private readonly points: Rates[] = []
  private previous: MetricsSample | null = null

  constructor(readonly windowMs: number = HISTORY_MS) {}

  /** Adds a sample; returns the rates since the one before (null for the first after `restart`). */
  add(sample: MetricsSample): Rates | null {
    const rates = this.previous ? ratesBetween(this.previous, sample) : null
    this.previous = sample
    if (!rates) return null
    this.points.push(rates)
    const oldest = rates.at - this.windowMs
    while (this.points.length > 0 && this.points[0]!.at <= oldest) this.points.shift()
    return rates
  }

  /**
   * Called on every (re)connect: the next sample may come from another node behind the load
   * balancer, or from a restarted server, and its counters do not continue the last ones.
   * The points already drawn stay.
   */
  restart(): void {
    this.previous = null
  }

  get rates(): readonly Rates[] {
    return this.points
  }
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}
