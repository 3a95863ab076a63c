/**
 * Takes the README's playground screenshot on the real demo pack: starts `llmbind serve` (no tokens),
 * chats in headless Chromium, saves docs/playground.png. Run: npx tsx scripts/playground-screenshot.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const PORT = 18_181;
const data = mkdtempSync(join(tmpdir(), 'shot-'));
const bot = spawn(process.execPath, ['bin/llmbind.js', 'serve'], {
  env: {
    ...process.env,
    PLAYGROUND_PORT: String(PORT),
    LLMBIND_DATA_DIR: data,
    LLMBIND_OPS_PORT: '0',
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve) =>
  bot.stdout.on('data', (d: Buffer) => d.toString().includes('Playground') && resolve()),
);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.goto(`http://127.0.0.1:${PORT}/`);
  await page.waitForSelector('body[data-ready="true"]');
  for (const text of process.argv.slice(2).length > 0
    ? process.argv.slice(2)
    : ['what can you do?', 'draw a big red circle on the left', 'now make it blue']) {
    const before = await page.locator('.msg.assistant').count();
    await page.fill('#input', text);
    await page.press('#input', 'Enter');
    await page
      .locator('.msg.assistant')
      .nth(before)
      .locator('xpath=self::*[@data-state="done"]')
      .waitFor({ timeout: 120_000 });
  }
  await page.screenshot({ path: 'docs/playground.png', fullPage: true });
  process.stdout.write('saved docs/playground.png\n');
} finally {
  await browser.close();
  bot.kill('SIGTERM');
}
