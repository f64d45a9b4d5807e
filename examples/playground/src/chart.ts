// A small line chart on a canvas: x in epochs, a few series (per-batch training values as a faint
// raw line and a smoothed one, per-epoch training and validation values as lines with dots), axes
// with round ticks.
// Drawing is cheap and happens at most once per animation frame (main.ts), whatever the event rate.

export interface Series {
  name: string;
  color: string;
  /**
   * 'faint': a pale line, not in the legend (raw per-batch values); 'thin': a thin line (smoothed
   * per-batch values); 'dots': a line with dots (per-epoch values).
   */
  style: 'faint' | 'thin' | 'dots';
  xs: number[];
  ys: number[];
}

export interface ChartOptions {
  /** Fixed y range; each end left undefined follows the data. */
  yMin?: number;
  yMax?: number;
  /** Format of the y tick labels. */
  format?: (y: number) => string;
}

const PAD = { left: 46, right: 12, top: 24, bottom: 30 };

export class LineChart {
  series: Series[] = [];
  /** Epochs the run will have: the x axis never goes further. */
  xMax = 1;

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly options: ChartOptions = {},
  ) {}

  clear(xMax: number): void {
    for (const s of this.series) s.xs.length = s.ys.length = 0;
    this.xMax = xMax;
  }

  /** Points drawn, per series name (tests read it from the canvas' data-points attribute). */
  counts(): Record<string, number> {
    return Object.fromEntries(this.series.map((s) => [s.name, s.xs.length]));
  }

  draw(): void {
    const c = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = c.clientWidth;
    const height = c.clientHeight;
    if (c.width !== Math.round(width * ratio) || c.height !== Math.round(height * ratio)) {
      c.width = Math.round(width * ratio);
      c.height = Math.round(height * ratio);
    }
    const g = c.getContext('2d')!;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    c.dataset.points = JSON.stringify(this.counts());

    const all = this.series.flatMap((s) => s.ys).filter(Number.isFinite);
    let lo = this.options.yMin ?? (all.length ? Math.min(...all) : 0);
    let hi = this.options.yMax ?? (all.length ? Math.max(...all) : 1);
    if (hi - lo < 1e-6) [lo, hi] = [lo - 0.5, hi + 0.5];
    const yTicks = ticks(lo, hi, 5);
    [lo, hi] = [Math.min(lo, yTicks[0]), Math.max(hi, yTicks[yTicks.length - 1])];
    // The x axis grows with the run (a quarter ahead of the data), up to the epochs planned: a
    // long run is not squashed into its first few pixels, and a stopped one fills the width.
    const xData = Math.max(0, ...this.series.flatMap((s) => s.xs));
    const xHi = Math.max(1, Math.min(this.xMax, Math.ceil(xData * 1.25)), Math.ceil(xData));
    const plotW = width - PAD.left - PAD.right;
    const plotH = height - PAD.top - PAD.bottom;
    const X = (x: number) => PAD.left + (x / xHi) * plotW;
    const Y = (y: number) => PAD.top + (1 - (y - lo) / (hi - lo)) * plotH;

    // Grid and tick labels.
    g.font = '11px system-ui, sans-serif';
    g.lineWidth = 1;
    g.strokeStyle = '#e6e9ef';
    g.fillStyle = '#687083';
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    const fmt = this.options.format ?? ((y: number) => String(+y.toFixed(3)));
    for (const t of yTicks) {
      line(g, PAD.left, Y(t), width - PAD.right, Y(t));
      g.fillText(fmt(t), PAD.left - 6, Y(t));
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (const t of ticks(0, xHi, Math.min(8, Math.max(2, Math.ceil(xHi))))) {
      if (!Number.isInteger(t) && xHi >= 2) continue; // whole epochs once there are a few
      line(g, X(t), PAD.top, X(t), PAD.top + plotH);
      g.fillText(String(+t.toFixed(2)), X(t), PAD.top + plotH + 6);
    }
    g.fillText('epoch', PAD.left + plotW / 2, PAD.top + plotH + 17);
    g.strokeStyle = '#b9c0cc';
    line(g, PAD.left, PAD.top + plotH, width - PAD.right, PAD.top + plotH);

    // Series, clipped to the plot.
    g.save();
    g.beginPath();
    g.rect(PAD.left, PAD.top - 4, plotW + 4, plotH + 8);
    g.clip();
    for (const s of this.series) {
      g.strokeStyle = g.fillStyle = s.color;
      g.globalAlpha = s.style === 'faint' ? 0.18 : s.style === 'thin' ? 0.7 : 1;
      g.lineWidth = s.style === 'dots' ? 2 : 1;
      g.beginPath();
      s.xs.forEach((x, i) => (i ? g.lineTo(X(x), Y(s.ys[i])) : g.moveTo(X(x), Y(s.ys[i]))));
      g.stroke();
      if (s.style === 'dots') {
        s.xs.forEach((x, i) => {
          g.beginPath();
          g.arc(X(x), Y(s.ys[i]), 3, 0, 2 * Math.PI);
          g.fill();
        });
      }
    }
    g.restore();
    g.globalAlpha = 1;

    // Legend, with each series' latest value.
    g.textAlign = 'left';
    g.textBaseline = 'middle';
    let lx = PAD.left;
    for (const s of this.series.filter((s) => s.style !== 'faint')) {
      const last = s.ys.length ? ` ${fmt(s.ys[s.ys.length - 1])}` : '';
      const label = `${s.name}${last}`;
      g.fillStyle = s.color;
      g.globalAlpha = s.style === 'thin' ? 0.7 : 1;
      g.fillRect(lx, 8, 14, s.style === 'thin' ? 2 : 3);
      g.globalAlpha = 1;
      g.fillStyle = '#1d2330';
      g.fillText(label, lx + 18, 9);
      lx += 26 + g.measureText(label).width;
    }
  }
}

function line(g: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number): void {
  g.beginPath();
  g.moveTo(Math.round(x0) + 0.5, Math.round(y0) + 0.5);
  g.lineTo(Math.round(x1) + 0.5, Math.round(y1) + 0.5);
  g.stroke();
}

/** About `count` round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi]. */
export function ticks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(+t.toFixed(10));
  if (out[out.length - 1] < hi) out.push(+(out[out.length - 1] + step).toFixed(10));
  return out;
}
