import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { ErrorCode } from '../shared/protocol.ts'
import type { Store } from './store/store.ts'

/** What the gauges read when they are collected. */
export interface MetricsSources {
  sockets(): number
  documents(): number
  sleepingDocuments(): number
  awarenessStates(): number
}

/**
 * The server's Prometheus metrics, in a registry of its own (so several servers can run in
 * one process, as the tests do). Served as text at `GET /metrics` and streamed on `/admin`.
 */
export class Metrics {
  readonly registry = new Registry()
  readonly joins = new Counter({ name: 'collab_joins_total', help: 'Successful joins', registers: [this.registry] })
  readonly updatesIn = new Counter({ name: 'collab_updates_received_total', help: 'Updates accepted from clients', registers: [this.registry] })
  readonly bytesIn = new Counter({ name: 'collab_update_bytes_received_total', help: 'Bytes of updates accepted from clients', registers: [this.registry] })
  readonly updatesOut = new Counter({ name: 'collab_updates_sent_total', help: 'Updates relayed to this node’s sockets', registers: [this.registry] })
  readonly bytesOut = new Counter({ name: 'collab_update_bytes_sent_total', help: 'Bytes of updates relayed to this node’s sockets', registers: [this.registry] })
  readonly refused = new Counter({
    name: 'collab_refused_events_total',
    help: 'Events answered with an error, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  })
  readonly ackSeconds = new Histogram({
    name: 'collab_update_ack_seconds',
    help: 'From receiving an update to acknowledging it as stored',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  })
  readonly storeSeconds = new Histogram({
    name: 'collab_store_seconds',
    help: 'Store operations, by operation',
    labelNames: ['operation'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  })
  readonly storeFailures = new Counter({
    name: 'collab_store_failures_total',
    help: 'Store operations that failed, by operation',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  })

  constructor(sources: MetricsSources) {
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers: [this.registry], collect() { this.set(read()) } })
    gauge('collab_connected_sockets', 'Sockets connected to this node', sources.sockets)
    gauge('collab_loaded_documents', 'Documents held in memory', sources.documents)
    gauge('collab_sleeping_documents', 'Loaded documents asleep: held as one encoded update, their Y.Doc freed', sources.sleepingDocuments)
    gauge('collab_awareness_states', 'Presence states held for this node’s sockets', sources.awarenessStates)
    collectDefaultMetrics({ register: this.registry })
  }

  countRefused(code: ErrorCode): void {
    this.refused.inc({ code })
  }

  /** The figures the admin view shows, read from the registry. */
  async summary(): Promise<Record<string, number>> {
    const summary: Record<string, number> = {}
    for (const metric of await this.registry.getMetricsAsJSON()) {
      if (!metric.name.startsWith('collab_')) continue
      const values = metric.values as Array<{ value: number; metricName?: string; labels: Record<string, unknown> }>
      if (String(metric.type) === 'histogram') {
        // Summed over every label set (store operations are labelled by operation).
        const total = (suffix: string) => values.filter((v) => v.metricName?.endsWith(suffix)).reduce((t, v) => t + v.value, 0)
        const sum = total('_sum')
        const count = total('_count')
        summary[`${metric.name}_count`] = count
        summary[`${metric.name}_mean`] = count > 0 ? sum / count : 0
      } else {
        summary[metric.name] = values.reduce((total, v) => total + v.value, 0)
      }
    }
    return summary
  }
}

/**
 * Several nodes' summaries as one: counts and gauges add up; a `_mean` is weighted by the
 * `_count` beside it.
 */
export function combineSummaries(summaries: Array<Record<string, number>>): Record<string, number> {
  const combined: Record<string, number> = {}
  for (const summary of summaries) {
    for (const [key, value] of Object.entries(summary)) {
      if (key.endsWith('_mean')) continue
      combined[key] = (combined[key] ?? 0) + value
    }
  }
  for (const key of new Set(summaries.flatMap(Object.keys))) {
    if (!key.endsWith('_mean')) continue
    const countKey = `${key.slice(0, -'_mean'.length)}_count`
    const weighted = summaries.reduce((total, s) => total + (s[key] ?? 0) * (s[countKey] ?? 0), 0)
    combined[key] = combined[countKey] ? weighted / combined[countKey] : 0
  }
  return combined
}

/** Wraps a store so that every operation is timed and every failure counted. */
export function measuredStore(store: Store, metrics: Metrics): Store {
  const timed =
    <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const stop = metrics.storeSeconds.startTimer({ operation })
      try {
        return await call(...args)
      } catch (error) {
        metrics.storeFailures.inc({ operation })
        throw error
      } finally {
        stop()
      }
    }
  return {
    createDocument: timed('createDocument', (record) => store.createDocument(record)),
    getDocument: timed('getDocument', (id) => store.getDocument(id)),
    setLink: timed('setLink', (id, role, link) => store.setLink(id, role, link)),
    setTitle: timed('setTitle', (id, title) => store.setTitle(id, title)),
    loadContent: timed('loadContent', (name) => store.loadContent(name)),
    appendUpdate: timed('appendUpdate', (name, update) => store.appendUpdate(name, update)),
    compact: timed('compact', (name, snapshot) => store.compact(name, snapshot)),
    release: (name) => store.release(name),
    checkWritable: timed('checkWritable', () => store.checkWritable()),
    close: () => store.close(),
  }
}
