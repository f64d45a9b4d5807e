// Plots as standalone SVG, written by hand (no dependency): the training history (one panel per
// quantity, training and validation series per epoch) and a confusion matrix heat map. Every
// series is a <polyline data-series="..."> with a point per epoch, so tests (and scripts) can read
// the numbers back out of the file.

const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"`;
const TRAIN = '#1f77b4';
const VAL = '#ff7f0e';

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Round numbers for axis ticks: steps of 1, 2 or 5 × 10^k covering [lo, hi] with about `count` ticks. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) [lo, hi] = [lo - (Math.abs(lo) * 0.1 || 1), hi + (Math.abs(hi) * 0.1 || 1)];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < hi) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

const fmtTick = (t: number) => (Math.abs(t) >= 1e4 || (t !== 0 && Math.abs(t) < 1e-3) ? t.toExponential(0) : String(Number(t.toPrecision(6))));
const title = (key: string) => key.charAt(0).toUpperCase() + key.slice(1).replace(/[A-Z]/g, (c) => ' ' + c.toLowerCase());
const f = (x: number) => Number(x.toFixed(2));

/**
 * History plot: one panel per quantity (loss, accuracy, ...) with the training series and, when
 * present, the validation one (history keys `x` and `valX`). `firstEpoch` numbers the x axis.
 */
export function historySvg(history: Record<string, number[]>, options: { title?: string; firstEpoch?: number } = {}): string {
  const bases = Object.keys(history).filter((k) => !/^val[A-Z]/.test(k));
  const hasVal = bases.some((k) => history[valKey(k)]);
  const pw = 420, ph = 300;
  const width = pw * Math.max(1, bases.length);
  const legendY = options.title ? 56 : 20;
  const top = legendY + 10;
  const height = ph + top + 8;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  if (options.title) parts.push(`<text x="${width / 2}" y="28" text-anchor="middle" font-size="17" font-weight="600" fill="#222">${escapeXml(options.title)}</text>`);
  // One legend for all panels, centred under the title, so it never covers a curve.
  const items: [string, string, string][] = [['training', TRAIN, '']];
  if (hasVal) items.push(['validation', VAL, VAL_DASH]);
  let lx = width / 2 - (items.length * 110) / 2;
  for (const [name, color, dash] of items) {
    parts.push(`<line x1="${lx}" x2="${lx + 24}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2.5"${dash}/>`);
    parts.push(`<text x="${lx + 30}" y="${legendY + 4}" font-size="12" fill="#333">${name}</text>`);
    lx += 110;
  }
  bases.forEach((key, i) => parts.push(panel(key, history[key], history[valKey(key)], i * pw, top, pw, ph, options.firstEpoch ?? 1)));
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

const VAL_DASH = ' stroke-dasharray="6 4"';
const valKey = (k: string) => `val${k[0].toUpperCase()}${k.slice(1)}`;

function panel(key: string, train: number[], val: number[] | undefined, x0: number, y0: number, w: number, h: number, first: number): string {
  const m = { left: 62, right: 18, top: 30, bottom: 46 };
  const pw = w - m.left - m.right, ph = h - m.top - m.bottom;
  const n = train.length;
  const values = [...train, ...(val ?? [])].filter(Number.isFinite);
  const yt = niceTicks(Math.min(...values), Math.max(...values), 5);
  const [ylo, yhi] = [yt[0], yt[yt.length - 1]];
  const last = first + n - 1;
  let xt = n <= 1 ? [first] : niceTicks(first, last, Math.min(n - 1, 8)).filter((t) => Number.isInteger(t) && t >= first && t <= last);
  if (n > 1 && xt[0] !== first && (xt[0] - first) / (last - first) > 0.15) xt = [first, ...xt]; // label where the run starts
  const X = (e: number) => m.left + (n <= 1 ? pw / 2 : ((e - first) / (n - 1)) * pw);
  const Y = (v: number) => m.top + ph - ((v - ylo) / (yhi - ylo)) * ph;
  const out = [`<g transform="translate(${x0},${y0})">`];
  out.push(`<text x="${m.left + pw / 2}" y="18" text-anchor="middle" font-size="15" font-weight="600" fill="#222">${escapeXml(title(key))}</text>`);
  for (const t of yt) {
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${f(Y(t))}" y2="${f(Y(t))}" stroke="#e6e6e6"/>`);
    out.push(`<text x="${m.left - 8}" y="${f(Y(t)) + 4}" text-anchor="end" font-size="11" fill="#555">${fmtTick(t)}</text>`);
  }
  for (const t of xt) {
    out.push(`<line x1="${f(X(t))}" x2="${f(X(t))}" y1="${m.top + ph}" y2="${m.top + ph + 5}" stroke="#888"/>`);
    out.push(`<text x="${f(X(t))}" y="${m.top + ph + 18}" text-anchor="middle" font-size="11" fill="#555">${t}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${h - 8}" text-anchor="middle" font-size="12" fill="#333">epoch</text>`);
  out.push(`<text transform="translate(16,${m.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="#333">${escapeXml(title(key).toLowerCase())}</text>`);
  const series = (name: string, values: number[], color: string, dash: string) => {
    const pts = values.map((v, i) => [X(first + i), Y(v)] as const).filter(([, y]) => Number.isFinite(y));
    out.push(`<polyline data-series="${escapeXml(name)}" points="${pts.map(([x, y]) => `${f(x)},${f(y)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    if (pts.length <= 30) for (const [x, y] of pts) out.push(`<circle cx="${f(x)}" cy="${f(y)}" r="3" fill="${color}"/>`);
  };
  series(key, train, TRAIN, '');
  if (val) series(valKey(key), val, VAL, VAL_DASH);
  out.push('</g>');
  return out.join('\n');
}

/** Blue sequential colour for a share in [0, 1] (white → dark blue). */
function blue(t: number): string {
  const lerp = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${lerp(247, 8)},${lerp(251, 48)},${lerp(255, 107)})`;
}

/**
 * Confusion matrix: rows are the true classes, columns the predicted ones; each cell shows its
 * count and is shaded by its share of the true class (so the diagonal reads as per-class recall).
 */
export function confusionSvg(matrix: number[][], classes: string[], options: { title?: string } = {}): string {
  const n = classes.length;
  const cell = Math.max(28, Math.min(56, Math.floor(560 / n)));
  const labelW = Math.min(140, 12 + 7 * Math.max(...classes.map((c) => c.length)));
  const left = labelW + 40, top = options.title ? 64 : 30;
  const gridW = cell * n;
  const bottom = labelW * 0.72 + 40; // rotated column labels + axis title
  const width = left + gridW + 110;
  const height = top + gridW + bottom;
  const fontSize = Math.max(9, Math.min(13, Math.floor(cell / 3.4)));
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f(width)}" height="${f(height)}" viewBox="0 0 ${f(width)} ${f(height)}" ${FONT}>`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  if (options.title) out.push(`<text x="${f(left + gridW / 2)}" y="30" text-anchor="middle" font-size="16" font-weight="600" fill="#222">${escapeXml(options.title)}</text>`);
  for (let r = 0; r < n; r++) {
    const total = matrix[r].reduce((a, b) => a + b, 0);
    for (let c = 0; c < n; c++) {
      const count = matrix[r][c];
      const share = total ? count / total : 0;
      const x = left + c * cell, y = top + r * cell;
      out.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${blue(share)}" stroke="white" data-true="${r}" data-predicted="${c}" data-count="${count}"><title>true ${escapeXml(classes[r])}, predicted ${escapeXml(classes[c])}: ${count} (${(share * 100).toFixed(1)}%)</title></rect>`);
      if (count) out.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + fontSize / 3}" text-anchor="middle" font-size="${fontSize}" fill="${share > 0.5 ? 'white' : '#222'}">${count}</text>`);
    }
    out.push(`<text x="${left - 8}" y="${top + r * cell + cell / 2 + 4}" text-anchor="end" font-size="12" fill="#333">${escapeXml(classes[r])}</text>`);
  }
  for (let c = 0; c < n; c++) {
    const x = left + c * cell + cell / 2 + 4, y = top + gridW + 10;
    out.push(`<text transform="translate(${x},${y}) rotate(-45)" text-anchor="end" font-size="12" fill="#333">${escapeXml(classes[c])}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${gridW}" height="${gridW}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${f(left + gridW / 2)}" y="${f(height - 12)}" text-anchor="middle" font-size="13" font-weight="600" fill="#333">predicted class</text>`);
  out.push(`<text transform="translate(18,${top + gridW / 2}) rotate(-90)" text-anchor="middle" font-size="13" font-weight="600" fill="#333">true class</text>`);
  // Colour scale: share of the true class.
  const sx = left + gridW + 28, sh = Math.min(gridW, 220);
  out.push(`<defs><linearGradient id="scale" x1="0" y1="1" x2="0" y2="0"><stop offset="0" stop-color="${blue(0)}"/><stop offset="1" stop-color="${blue(1)}"/></linearGradient></defs>`);
  out.push(`<rect x="${sx}" y="${top}" width="14" height="${sh}" fill="url(#scale)" stroke="#888"/>`);
  for (const t of [0, 0.5, 1]) out.push(`<text x="${sx + 20}" y="${f(top + sh - t * sh + 4)}" font-size="11" fill="#555">${t * 100}%</text>`);
  out.push(`<text transform="translate(${sx + 62},${top + sh / 2}) rotate(90)" text-anchor="middle" font-size="11" fill="#555">share of true class</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
