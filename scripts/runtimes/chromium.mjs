// Debian's Chromium (/usr/bin/chromium, `apt-get install chromium`) driven by playwright-core;
// never a downloaded browser. The flags keep it off the network: it only talks to 127.0.0.1.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const chromiumPath = process.env.DENDRITE_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function chromiumAvailable() {
  return existsSync(chromiumPath);
}

/**
 * A browser context on a fresh profile directory (removed by close()). Resolves with
 * { context, newPage(), close() }; pages collect their console output and errors in `page.log`.
 */
export async function launchChromium({ timeoutMs = 30_000 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'dendrite-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    timeout: timeoutMs,
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      page.log = [];
      page.on('console', (m) => page.log.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => page.log.push(`pageerror: ${e.message}`));
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
