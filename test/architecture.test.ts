// The import graph of src/ keeps the layer order of docs/architecture.md: no cycle, no import
// from a lower layer up to a higher one (scripts/check-imports.mjs).
import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs script without types
import { checkImports, cycles, layerOrder } from '../scripts/check-imports.mjs';

describe('architecture', () => {
  it('src/ has no import cycle and no upward import against docs/architecture.md', () => {
    const { problems, graph } = checkImports();
    expect(graph.size).toBeGreaterThan(50);
    expect(problems).toEqual([]);
  });

  it('the check sees an upward import: the same graph with model/ put below layers/', () => {
    const order: string[][] = layerOrder();
    const model = order.findIndex((l) => l.includes('model/'));
    const parts = order.findIndex((l) => l.includes('layers/'));
    const swapped = order.slice();
    [swapped[model], swapped[parts]] = [swapped[parts], swapped[model]];
    const { problems } = checkImports(swapped);
    expect(problems.some((p: string) => /^upward import: model\/core\.ts .* imports layers\//.test(p))).toBe(true);
  });

  it('the check sees a cycle, type-only imports included', () => {
    const graph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(cycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
  });
});
