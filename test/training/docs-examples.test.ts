// The examples of docs/training.md run as written: the page's ts blocks, in order, as one script
// (the first block's data is shared; every other block gets its own scope), with `from 'dendrite'`
// pointed at the sources.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it, vi } from 'vitest';

it('the examples of docs/training.md run and print what they say', async () => {
  const page = readFileSync(new URL('../../docs/training.md', import.meta.url), 'utf8');
  const blocks = [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks.length).toBeGreaterThanOrEqual(9);
  const names = new Set<string>();
  const bodies = blocks.map((b) =>
    b.replace(/^import \{([^}]*)\} from 'dendrite';\n/gm, (_, list: string) => {
      for (const n of list.split(',')) names.add(n.trim());
      return '';
    }),
  );
  const src = pathToFileURL(join(process.cwd(), 'src/index.ts')).href;
  const script = [
    `import { ${[...names].join(', ')} } from ${JSON.stringify(src)};`,
    'export async function run() {',
    bodies[0],
    ...bodies.slice(1).map((b) => `{\n${b}\n}`),
    '}',
  ].join('\n');
  const dir = mkdtempSync(join(process.cwd(), 'test/training/.docs-'));
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const file = join(dir, 'examples.ts');
    writeFileSync(file, script);
    const mod = await import(/* @vite-ignore */ pathToFileURL(file).href);
    await mod.run();
    const printed = log.mock.calls.map((c) => c.join(' ')).join('\n');
    expect(printed).toContain('Total params: 3,843');
    expect(printed).toContain('Trainable params: 3,715');
    expect(printed).toContain('Non-trainable params: 128');
    expect(printed).toContain('Trainable params: 51\nNon-trainable params: 1,328'); // Freezing layers
    expect(printed).toContain('0 0.1');
    expect(write.mock.calls.map((c) => String(c[0])).join('')).toMatch(/^epoch,accuracy,learningRate,loss,valAccuracy,valLoss\n0,/);
  } finally {
    log.mockRestore();
    write.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
});
