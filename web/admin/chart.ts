/**
 * A time-series line chart drawn on a <canvas>: the last few minutes, lines on a left and a
 * right axis, gaps where there is no data. Sized by CSS; the bitmap follows the element's size
 * and the device pixel ratio, so lines stay sharp on any screen and at any zoom.
 */

export interface Series<P> {
  /** A CSS custom property on the canvas holding the line's color, so colors stay in the stylesheet. */
  color: string
  axis: 'left' | 'right'
  dashed?: boolean
  /** The point's value; NaN leaves a gap. */
  value(point: P): number
}

export interface Axis {
  /** Tick labels, e.g. `12/s`. */
  format(value: number): string
  /** The axis reaches at least this far, so a quiet server draws a flat line at the bottom, not noise full height. */
  minTop: number
  /** Written above the axis. */
  title: string
}

export interface ChartOptions<P> {
  windowMs: number
  /** Points further apart than this (a lost connection) are not joined. */
  gapMs: number
  series: Array<Series<P>>
  left: Axis
  right: Axis
  /** Shown in the middle while there is nothing to draw. */
  emptyText: string
}

/** Each axis has this many intervals, so the right axis's ticks share the left's grid lines. */
const INTERVALS = 4
const FONT_PX = 12
const PAD = { top: 28, bottom: 26, side: 10 }

export class TimeChart<P extends { at: number }> {
  private points: readonly P[] = []
  private now = 0
  private readonly resizes: ResizeObserver
  private pixelRatio: MediaQueryList | null = null

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly options: ChartOptions<P>,
  ) {
    this.resizes = new ResizeObserver(() => this.draw())
    this.resizes.observe(canvas)
    this.watchPixelRatio()
  }

  /** Draws `points` (oldest first) in the window that ends at `now` (ms, the same clock as `at`). */
  update(points: readonly P[], now: number): void {
    this.points = points
    this.now = now
    this.draw()
  }

  destroy(): void {
    this.resizes.disconnect()
    this.pixelRatio?.removeEventListener('change', this.onPixelRatio)
  }

  /** Moving the window to another screen changes the ratio without resizing anything. */
  private watchPixelRatio(): void {
    this.pixelRatio?.removeEventListener('change', this.onPixelRatio)
    this.pixelRatio = matchMedia(`(resolution: ${devicePixelRatio}dppx)`)
    this.pixelRatio.addEventListener('change', this.onPixelRatio)
  }

  private readonly onPixelRatio = () => {
    this.watchPixelRatio()
    this.draw()
  }

  private draw(): void {
    const { canvas, options } = this
    const width = canvas.clientWidth
    const height = canvas.clientHeight
    const ratio = devicePixelRatio || 1
    const context = canvas.getContext('2d')
    if (!context || width === 0 || height === 0) return
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio)
      canvas.height = Math.round(height * ratio)
    }
    context.setTransform(ratio, 0, 0, ratio, 0, 0)
    context.clearRect(0, 0, width, height)

    const style = getComputedStyle(canvas)
    const color = (property: string) => style.getPropertyValue(property).trim() || style.color
    context.font = `${FONT_PX}px ${style.fontFamily}`
    context.lineWidth = 1

    const start = this.now - options.windowMs
    const visible = this.points.filter((point) => point.at >= start && point.at <= this.now)
    const left = scale(options.left, visible, options.series.filter((series) => series.axis === 'left'))
    const right = scale(options.right, visible, options.series.filter((series) => series.axis === 'right'))
    const leftWidth = Math.max(...left.labels.map((label) => context.measureText(label).width))
    const rightWidth = Math.max(...right.labels.map((label) => context.measureText(label).width))
    const plot = {
      left: PAD.side + leftWidth + 8,
      right: width - PAD.side - rightWidth - 8,
      top: PAD.top,
      bottom: height - PAD.bottom,
    }
    if (plot.right - plot.left < 40 || plot.bottom - plot.top < 40) return
    const x = (at: number) => plot.left + ((at - start) / options.windowMs) * (plot.right - plot.left)
    const y = (value: number, top: number) => plot.bottom - (value / top) * (plot.bottom - plot.top)

    // Grid and tick labels: one line per interval, labelled on both sides.
    context.fillStyle = color('--chart-text')
    context.textBaseline = 'middle'
    for (let index = 0; index <= INTERVALS; index++) {
      const lineY = Math.round(y(index * left.step, left.top)) + 0.5
      context.strokeStyle = color(index === 0 ? '--chart-axis' : '--chart-grid')
      context.beginPath()
      context.moveTo(plot.left, lineY)
      context.lineTo(plot.right, lineY)
      context.stroke()
      context.textAlign = 'right'
      context.fillText(left.labels[index]!, plot.left - 8, lineY)
      context.textAlign = 'left'
      context.fillText(right.labels[index]!, plot.right + 8, lineY)
    }
    context.textBaseline = 'alphabetic'
    context.textAlign = 'left'
    context.fillText(options.left.title, PAD.side, PAD.top - 12)
    context.textAlign = 'right'
    context.fillText(options.right.title, width - PAD.side, PAD.top - 12)

    // One label a minute, fewer when narrow; "now" at the right edge.
    const minutes = Math.round(options.windowMs / 60_000)
    const every = (plot.right - plot.left) / minutes < 56 ? 2 : 1
    context.textBaseline = 'top'
    context.textAlign = 'center'
    for (let minute = 0; minute <= minutes; minute += every) {
      const tickX = x(this.now - minute * 60_000)
      context.fillText(minute === 0 ? 'now' : `−${minute} min`, Math.min(tickX, plot.right - 12), plot.bottom + 8)
    }

    if (visible.length === 0) {
      context.textBaseline = 'middle'
      context.fillText(options.emptyText, (plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2)
      return
    }
    context.save()
    context.beginPath()
    context.rect(plot.left, plot.top - 2, plot.right - plot.left, plot.bottom - plot.top + 4)
    context.clip()
    for (const series of options.series) {
      const top = series.axis === 'left' ? left.top : right.top
      context.strokeStyle = context.fillStyle = color(series.color)
      context.lineWidth = 2
      context.lineJoin = context.lineCap = 'round'
      context.setLineDash(series.dashed ? [6, 5] : [])
      for (const run of runs(visible, series, options.gapMs)) {
        if (run.length === 1) {
          // A lone value (one interval with traffic between quiet ones) still shows, as a dot.
          context.beginPath()
          context.arc(x(run[0]!.at), y(series.value(run[0]!), top), 2.5, 0, 2 * Math.PI)
          context.fill()
          continue
        }
        context.beginPath()
        context.moveTo(x(run[0]!.at), y(series.value(run[0]!), top))
        for (const point of run.slice(1)) context.lineTo(x(point.at), y(series.value(point), top))
        context.stroke()
      }
    }
    context.restore()
  }
}

/** The axis's top (a round number at least `minTop`, above every value), its step and its labels. */
function scale<P>(axis: Axis, points: readonly P[], series: Array<Series<P>>): { top: number; step: number; labels: string[] } {
  let highest = axis.minTop
  for (const point of points) for (const one of series) highest = Math.max(highest, one.value(point) || 0)
  const step = niceStep(highest / INTERVALS)
  const labels = Array.from({ length: INTERVALS + 1 }, (_, index) => axis.format(index * step))
  return { top: step * INTERVALS, step, labels }
}

/** The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw))
  const multiple = [1, 2, 2.5, 5, 10].find((candidate) => candidate * power >= raw * (1 - 1e-9))!
  return multiple * power
}

/** Splits the points into stretches with a value, broken at gaps in the data and in time. */
function runs<P extends { at: number }>(points: readonly P[], series: Series<P>, gapMs: number): P[][] {
  const result: P[][] = []
  let current: P[] = []
  let last: P | null = null
  for (const point of points) {
    const broken = !Number.isFinite(series.value(point)) || (last !== null && point.at - last.at > gapMs)
    if (broken && current.length > 0) {
      result.push(current)
      current = []
    }
    if (Number.isFinite(series.value(point))) current.push(point)
    last = point
  }
  if (current.length > 0) result.push(current)
  return result
}
