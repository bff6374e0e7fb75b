import { describe, expect, it } from 'vitest'
import { formatBytesRate, formatCount, formatMs, formatRate } from '../../web/admin/format.ts'
import { FIGURES, RateHistory, parseSample, ratesBetween, type MetricsSample } from '../../web/admin/rates.ts'

/** A sample with every figure at zero except those given. */
function sample(at: number, figures: Partial<MetricsSample> = {}): MetricsSample {
  return { ...(Object.fromEntries(FIGURES.map((figure) => [figure, 0])) as MetricsSample), ...figures, at }
}

describe('admin rates and numbers (web/admin/rates.ts, web/admin/format.ts)', () => {
  it('turns counter deltas into per-second rates over the time between samples', () => {
    const before = sample(10_000, { collab_updates_received_total: 100, collab_update_bytes_received_total: 5_000, collab_updates_sent_total: 40, collab_joins_total: 3 })
    const after = sample(12_000, { collab_updates_received_total: 130, collab_update_bytes_received_total: 9_000, collab_updates_sent_total: 100, collab_joins_total: 4 })
    expect(ratesBetween(before, after)).toMatchObject({ at: 12_000, updatesIn: 15, bytesIn: 2_000, updatesOut: 30, bytesOut: 0, joins: 0.5 })
  })

  it('gives the mean ack latency of the interval alone, from counts and means since start', () => {
    // 10 acks averaging 2 ms, then 10 more averaging 4 ms: the mean since start is 3 ms.
    const before = sample(0, { collab_update_ack_seconds_count: 10, collab_update_ack_seconds_mean: 0.002 })
    const after = sample(1_000, { collab_update_ack_seconds_count: 20, collab_update_ack_seconds_mean: 0.003 })
    expect(ratesBetween(before, after)!.ackMs).toBeCloseTo(4, 9)
  })

  it('leaves what cannot be known unknown: no acks, a reset counter, a figure not sent', () => {
    const before = sample(0, { collab_updates_received_total: 50, collab_update_ack_seconds_count: 5, collab_update_ack_seconds_mean: 0.002 })
    const after = sample(1_000, { collab_updates_received_total: 3, collab_update_ack_seconds_count: 5, collab_update_ack_seconds_mean: 0.002, collab_updates_sent_total: NaN })
    const rates = ratesBetween(before, after)!
    expect(rates.ackMs).toBeNaN()
    expect(rates.updatesIn).toBeNaN()
    expect(rates.updatesOut).toBeNaN()
    expect(ratesBetween(after, before)).toBeNull()
    expect(ratesBetween(after, after)).toBeNull()
  })

  it('gives no rates across a change in the number of nodes summed', () => {
    const before = sample(0, { collab_nodes: 2, collab_updates_received_total: 100, collab_update_ack_seconds_count: 10, collab_update_ack_seconds_mean: 0.002 })
    const after = sample(1_000, { collab_nodes: 3, collab_updates_received_total: 900, collab_update_ack_seconds_count: 90, collab_update_ack_seconds_mean: 0.002 })
    const rates = ratesBetween(before, after)!
    expect(rates.updatesIn).toBeNaN()
    expect(rates.ackMs).toBeNaN()
    expect(ratesBetween(after, sample(2_000, { collab_nodes: 3, collab_updates_received_total: 950 }))!.updatesIn).toBe(50)
  })

  it('reads a metrics payload, refusing one without a time and marking odd figures unknown', () => {
    expect(parseSample(null)).toBeNull()
    expect(parseSample({ collab_connected_sockets: 1 })).toBeNull()
    expect(parseSample({ at: 'soon' })).toBeNull()
    const parsed = parseSample({ at: 5, collab_connected_sockets: 2, collab_loaded_documents: '7', extra: 1 })!
    expect(parsed.collab_connected_sockets).toBe(2)
    expect(parsed.collab_loaded_documents).toBeNaN()
    expect(parsed.collab_joins_total).toBeNaN()
    expect('extra' in parsed).toBe(false)
  })

  it('keeps five minutes of rates and starts over after a reconnect without losing the chart', () => {
    const history = new RateHistory(5 * 60_000)
    expect(history.add(sample(0))).toBeNull()
    for (let second = 1; second <= 400; second++) history.add(sample(second * 1000, { collab_updates_received_total: second * 2 }))
    expect(history.rates).toHaveLength(300)
    expect(history.rates[0]!.at).toBe(101_000)
    expect(history.rates.every((rates) => rates.updatesIn === 2)).toBe(true)

    // Another node's counters do not continue these: no rate from the first sample after a reconnect.
    history.restart()
    expect(history.add(sample(402_000, { collab_updates_received_total: 7 }))).toBeNull()
    expect(history.add(sample(403_000, { collab_updates_received_total: 10 }))!.updatesIn).toBe(3)
    expect(history.rates.slice(-2).map((rates) => rates.at)).toEqual([400_000, 403_000])
    expect(history.rates[0]!.at).toBe(104_000)
  })

  it('formats numbers short, with their unit, and unknowns as a dash', () => {
    expect([0, 7, 999, 1_234, 12_345, 999_960, 5_600_000].map(formatCount)).toEqual(['0', '7', '999', '1.2k', '12k', '1M', '5.6M'])
    expect([0, 0.4, 12, 1_234].map(formatRate)).toEqual(['0/s', '0.4/s', '12/s', '1.2k/s'])
    expect([0, 512, 3_400, 3_400_000].map(formatBytesRate)).toEqual(['0 B/s', '512 B/s', '3.4 kB/s', '3.4 MB/s'])
    expect([0.4234, 3.42, 120.4, 999.7, 1_234].map(formatMs)).toEqual(['0.42 ms', '3.4 ms', '120 ms', '1 s', '1.2 s'])
    for (const format of [formatCount, formatRate, formatBytesRate, formatMs]) expect(format(NaN)).toBe('—')
  })
})
