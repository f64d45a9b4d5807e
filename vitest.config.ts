import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fails the run when a process the tests started (workerd, Chromium, a CLI) outlives it.
    globalSetup: ['test/setup/no-leftover-processes.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
