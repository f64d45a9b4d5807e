// A program that uses kernel threads exits on its own when its work is done, in every runtime
// with threads: the workers sleep in Atomics.wait and must not hold the event loop open (in Deno a
// Web Worker did, for ever). Each runtime runs test/runtimes/fixtures/threads-exit.js as a child
// process; one that has not exited within the bound is killed and the test fails.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { denoBin, runDeno } from '../../scripts/runtimes/deno.mjs';
import { lastJson, run } from '../../scripts/runtimes/process.mjs';

const program = 'test/runtimes/fixtures/threads-exit.js';
// Training takes about a second; the bound only has to tell "exits" from "never exits".
const bound = 30_000;

function expectExitedOnItsOwn(r: { code: number | null; stdout: string; stderr: string }) {
  expect(r.stderr, 'the program did not exit on its own: killed at the bound').not.toMatch(/\[killed after/);
  expect(r.code, r.stderr).toBe(0);
  const out = lastJson(r.stdout);
  expect(out.threads).toBe(2);
  expect(out.loss).toHaveLength(3);
  expect(out.loss[2]).toBeLessThan(out.loss[0]);
}

describe('a program using kernel threads exits when its work is done', () => {
  it('in Node', async () => {
    expectExitedOnItsOwn(await run(process.execPath, [program], { timeoutMs: bound }));
  });

  it.skipIf(!existsSync(denoBin))('in Deno', async () => {
    expectExitedOnItsOwn(await runDeno(['run', '--allow-read', program], { timeoutMs: bound }));
  });
});
