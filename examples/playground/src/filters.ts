// The first convolution's filters as small images: one canvas per filter, one canvas pixel per
// kernel weight (scaled up by CSS, pixelated), in a diverging colour map — blue for negative,
// white for zero, red for positive — on one scale for all filters, so they can be compared.
import type { Sequential, Weight } from 'dendrite';

/** The first Conv2D's kernel, (kh, kw, in, out) as Keras stores it, among `weights` (getWeights order). */
export function firstConvKernel(model: Sequential, weights: Weight[]): Weight | undefined {
  const conv = model.layers.find((l) => l.type === 'Conv2D');
  return conv && weights.find((w) => w.name === `${conv.name}/kernel`);
}

/** Colour of `v` on the scale ±`max`: white at 0, saturating at blue (−max) and red (+max). */
export function diverging(v: number, max: number): [number, number, number] {
  const t = Math.max(-1, Math.min(1, max > 0 ? v / max : 0));
  const fade = Math.round(255 * (1 - Math.abs(t))); // the other two channels fade as |t| grows
  return t >= 0 ? [255, fade, fade] : [fade, fade, 255];
}

/**
 * Draw the kernel's filters (input channel 0: the page's images are grey) into `box`, reusing its
 * canvases when the shape is unchanged. Returns the colour scale used (largest |weight|) and the
 * pixels drawn (RGBA, filter after filter).
 */
export function drawFilters(box: HTMLElement, kernel: Weight): { scale: number; pixels: Uint8ClampedArray } {
  const [kh, kw, cin, cout] = kernel.shape;
  let max = 0;
  for (let i = 0; i < kernel.data.length; i++) max = Math.max(max, Math.abs(kernel.data[i]));
  const pixels = new Uint8ClampedArray(4 * kh * kw * cout);
  filterCanvases(box, kh, kw, cout).forEach((canvas, f) => {
    const image = new ImageData(kw, kh);
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        const [r, g, b] = diverging(kernel.data[((y * kw + x) * cin + 0) * cout + f], max);
        image.data.set([r, g, b, 255], 4 * (y * kw + x));
      }
    }
    canvas.getContext('2d')!.putImageData(image, 0, 0);
    pixels.set(image.data, f * image.data.length);
  });
  return { scale: max, pixels };
}

/** `count` canvases of `width`×`height` in `box`: its own when they fit, else new ones. */
function filterCanvases(box: HTMLElement, height: number, width: number, count: number): HTMLCanvasElement[] {
  const have = [...box.querySelectorAll('canvas')];
  if (have.length === count && have[0]?.width === width && have[0]?.height === height) return have;
  box.replaceChildren();
  box.style.setProperty('--columns', String(Math.min(16, count))); // 32 filters: two rows of 16
  return Array.from({ length: count }, (_, f) => {
    const c = document.createElement('canvas');
    c.width = width;
    c.height = height;
    c.title = `filter ${f}`;
    c.className = 'filter';
    box.append(c);
    return c;
  });
}
