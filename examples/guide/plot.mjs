// A small SVG line chart for the guide's figures: axes with round-number ticks, light grid, a
// legend, optional log-scale y. Dependency-free so the examples stay plain Node scripts.

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

/** Round tick values covering [lo, hi]: steps of 1, 2 or 5 × 10^k, about `count` of them. */
function ticks(lo, hi, count = 5) {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  // the 1-2-5 step giving the tick count nearest to `count`
  const step = [1, 2, 5, 10]
    .map((m) => m * mag)
    .reduce((best, s) => (Math.abs((hi - lo) / s - count) < Math.abs((hi - lo) / best - count) ? s : best));
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Short tick label: 0.5, 2, 1e-3, 10k. */
function label(v, log) {
  if (log) return { [-2]: '0.01', [-1]: '0.1', 0: '1', 1: '10', 2: '100' }[Math.round(v)] ?? `1e${Math.round(v)}`;
  if (v === 0) return '0';
  if (Math.abs(v) >= 1000) return `${+(v / 1000).toFixed(1)}k`;
  return String(+v.toFixed(4));
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * An SVG document (string) with one line per series.
 * @param {object} o
 * @param {string} o.title
 * @param {string} o.xLabel
 * @param {string} o.yLabel
 * @param {{ label: string, x: ArrayLike<number>, y: ArrayLike<number>, color?: string, dash?: boolean }[]} o.series
 * @param {[number, number]} [o.xRange] default: the data's range
 * @param {[number, number]} [o.yRange] default: the data's finite range (log10 units when logY)
 * @param {boolean} [o.logY] plot log10(y); y ≤ 0 and non-finite points are dropped
 * @param {number} [o.width] pixels, default 360
 * @param {number} [o.height] pixels, default 240
 * @param {'top-left' | 'bottom-right' | 'top-right' | 'outside'} [o.legend] default 'top-left'; 'outside' = right of the plot
 */
export function lineChart(o) {
  const width = o.width ?? 360;
  const height = o.height ?? 240;
  const where = o.legend ?? 'top-left';
  const lw = Math.max(...o.series.map((s) => s.label.length)) * 6.2 + 34; // legend box width
  const pad = { left: 46, right: where === 'outside' ? lw + 16 : 12, top: 28, bottom: 38 };
  const series = o.series.map((s, i) => {
    const pts = [];
    for (let j = 0; j < s.x.length; j++) {
      const y = o.logY ? Math.log10(s.y[j]) : s.y[j];
      if (Number.isFinite(y)) pts.push([s.x[j], y]);
    }
    return { ...s, pts, color: s.color ?? COLORS[i % COLORS.length] };
  });
  const all = series.flatMap((s) => s.pts);
  const [x0, x1] = o.xRange ?? [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = o.yRange ?? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (o.logY && !o.yRange) [y0, y1] = [Math.floor(y0), Math.ceil(y1)]; // whole decades
  if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 1, y1 + 1];
  const pw = width - pad.left - pad.right;
  const ph = height - pad.top - pad.bottom;
  const sx = (x) => pad.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y) => pad.top + (1 - (y - y0) / (y1 - y0)) * ph;
  const f = (v) => v.toFixed(1);
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  out.push(`<text x="${width / 2}" y="17" text-anchor="middle" font-size="13" font-weight="bold">${esc(o.title)}</text>`);
  // grid and tick labels
  const xt = ticks(x0, x1, Math.max(3, Math.round(pw / 60)));
  const yt = o.logY ? ticks(y0, y1, Math.max(3, Math.round(ph / 30))).filter((v) => Number.isInteger(Math.round(v * 1e6) / 1e6)) : ticks(y0, y1, Math.max(3, Math.round(ph / 40)));
  for (const v of xt) {
    out.push(`<line x1="${f(sx(v))}" y1="${pad.top}" x2="${f(sx(v))}" y2="${pad.top + ph}" stroke="${v === 0 ? '#999' : '#e5e5e5'}"/>`);
    out.push(`<text x="${f(sx(v))}" y="${pad.top + ph + 14}" text-anchor="middle" fill="#444">${label(v, false)}</text>`);
  }
  for (const v of yt) {
    out.push(`<line x1="${pad.left}" y1="${f(sy(v))}" x2="${pad.left + pw}" y2="${f(sy(v))}" stroke="${v === 0 && !o.logY ? '#999' : '#e5e5e5'}"/>`);
    out.push(`<text x="${pad.left - 5}" y="${f(sy(v) + 4)}" text-anchor="end" fill="#444">${label(v, o.logY)}</text>`);
  }
  out.push(`<rect x="${pad.left}" y="${pad.top}" width="${pw}" height="${ph}" fill="none" stroke="#666"/>`);
  out.push(`<text x="${pad.left + pw / 2}" y="${height - 6}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(12 ${pad.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  // lines, clipped to the plot area
  out.push(`<clipPath id="plot"><rect x="${pad.left}" y="${pad.top}" width="${pw}" height="${ph}"/></clipPath>`);
  for (const s of series) {
    const d = s.pts.map((p, j) => `${j ? 'L' : 'M'}${f(sx(p[0]))} ${f(sy(p[1]))}`).join('');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ' stroke-dasharray="5 3"' : ''} clip-path="url(#plot)"/>`);
  }
  // legend
  const lx = where === 'top-left' ? pad.left + 8 : where === 'outside' ? pad.left + pw + 12 : pad.left + pw - lw - 4;
  const ly = where === 'bottom-right' ? pad.top + ph - 16 * series.length - 6 : pad.top + 6;
  out.push(`<rect x="${f(lx - 4)}" y="${ly - 2}" width="${f(lw)}" height="${16 * series.length + 4}" fill="#fff" fill-opacity="0.85" stroke="#ccc"/>`);
  series.forEach((s, i) => {
    const y = ly + 9 + 16 * i;
    out.push(`<line x1="${f(lx)}" y1="${y}" x2="${f(lx + 20)}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dash ? ' stroke-dasharray="5 3"' : ''}/>`);
    out.push(`<text x="${f(lx + 25)}" y="${y + 4}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/**
 * An SVG of convolution filters: one row per labelled kernel, one small square grid per filter
 * (input channel 0), each weight a `cell`×`cell` square coloured on a diverging scale: white at 0,
 * red for positive, blue for negative, saturated at the row's largest |weight| (written at the end).
 * @param {{ label: string, kernel: { shape: number[], data: ArrayLike<number> } }[]} rows kernels (kh, kw, in, out)
 * @param {number} [cell] pixels per weight, default 6
 */
export function filterGrid(rows, cell = 6) {
  const [kh, kw, , count] = rows[0].kernel.shape;
  const gap = 4;
  const rowHeight = 18 + kh * cell + 10;
  const width = 8 + count * (kw * cell + gap) + 70;
  const height = rows.length * rowHeight + 4;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`];
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  rows.forEach(({ label, kernel }, r) => {
    const [, , cin, cout] = kernel.shape;
    const top = r * rowHeight + 14;
    const max = Math.max(...Array.from(kernel.data, Math.abs));
    out.push(`<text x="8" y="${top}" font-weight="bold">${esc(label)}</text>`);
    for (let f = 0; f < cout; f++) {
      const left = 8 + f * (kw * cell + gap);
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const t = kernel.data[((y * kw + x) * cin) * cout + f] / max;
          const fade = Math.round(255 * (1 - Math.abs(t)));
          const rgb = t >= 0 ? `255,${fade},${fade}` : `${fade},${fade},255`;
          out.push(`<rect x="${left + x * cell}" y="${top + 6 + y * cell}" width="${cell}" height="${cell}" fill="rgb(${rgb})"/>`);
        }
      }
    }
    out.push(`<text x="${width - 62}" y="${top + 6 + (kh * cell) / 2 + 4}" fill="#444">±${max.toFixed(3)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
