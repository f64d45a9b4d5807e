// The example of docs/guarantees.md runs as written (with `from 'dendrite'` pointed at the
// sources) and prints what its comments say.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it, vi } from 'vitest';

it('the example of docs/guarantees.md runs and prints what it says', async () => {
  const page = readFileSync(new URL('../../docs/guarantees.md', import.meta.url), 'utf8');
  const code = /```js\n([\s\S]*?)```/.exec(page)![1];
  const src = pathToFileURL(join(process.cwd(), 'src/index.ts')).href;
  const dir = mkdtempSync(join(process.cwd(), 'test/robustness/.docs-'));
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    const file = join(dir, 'example.ts');
    writeFileSync(file, code.replace("from 'dendrite'", `from ${JSON.stringify(src)}`));
    await import(/* @vite-ignore */ pathToFileURL(file).href);
    const printed = log.mock.calls.map((c) => c.join(' '));
    // The comments after each console.log, the message's continuation line included.
    const said = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)(?:\n\s*\/\/ (.*))?/g)].map((m) => [m[1], m[2]].filter(Boolean).join(' '));
    expect(printed).toHaveLength(2);
    expect(printed[0].startsWith(said[0].replace(/ …$/, '')), `printed: ${printed[0]}`).toBe(true);
    expect(printed[1]).toBe('true');
    expect(said[1]).toMatch(/^true: as after epoch 39, batch 0$/);
    expect(printed[0]).toMatch(/at epoch 39, batch 1;/);
  } finally {
    log.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
});
