// Screen timings of the real window on a large group (part of `make bench`, not of
// `make test`): the demo community scaled to about a million messages is created with the
// CLI into a new store, the app is opened on it through tauri-driver under Xvfb, and each
// screen is opened repeatedly. A timing runs inside the page, from the click that
// navigates to the moment the screen's data is in the DOM, so WebDriver's round trips are
// not in it. Prints a markdown table and writes tests/e2e/artifacts/screen-timings.json.
//
// Environment: HEARTH_APP, HEARTH_CLI (binaries; the Makefile passes them), TAURI_DRIVER,
// HEARTH_BENCH_SCALE (demo scale, default 6: about 1M messages), HEARTH_BENCH_RUNS (5).

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Session } from './webdriver.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, 'artifacts');
const app = process.env.HEARTH_APP;
const cli = process.env.HEARTH_CLI;
const tauriDriver = process.env.TAURI_DRIVER ?? join(homedir(), '.cache', 'hearth', 'tools', 'bin', 'tauri-driver');
const scale = Number(process.env.HEARTH_BENCH_SCALE ?? 6);
const runs = Number(process.env.HEARTH_BENCH_RUNS ?? 5);
const port = 4444;
const driverUrl = `http://127.0.0.1:${port}`;

if (!app || !cli) {
  console.error('screens.bench: HEARTH_APP and HEARTH_CLI must name the built binaries (make bench passes them)');
  process.exit(1);
}

/**
 * The screens, each opened from another one: `away` are the clicks that lead elsewhere (so
 * that opening the screen is a real navigation), `open` is the element clicked, `ready` the element that holds the
 * screen's data once it is there.
 */
const SCREENS = [
  { name: 'Groups overview', away: ['[data-testid=group-item]'], open: '[data-testid=overview-action]', ready: '[data-testid=overview-row] [data-testid=overview-score]' },
  { name: 'Dashboard', away: ['[data-testid=group-item]', '[data-testid=tab-archive]'], open: '[data-testid=tab-dashboard]', ready: '[data-testid=health-score]' },
  { name: 'Members (table)', away: ['[data-testid=tab-dashboard]'], open: '[data-testid=tab-members]', ready: '[data-testid=member-row]' },
  { name: 'Member profile', away: ['[data-testid=tab-members]'], open: '[data-testid=member-row]', ready: '[data-testid=profile-history-item]' },
  { name: 'Churn warnings', away: ['[data-testid=tab-dashboard]'], open: '[data-testid=tab-warnings]', ready: '[data-testid=warning], [data-testid=warnings-empty]' },
  { name: 'Review queue', away: ['[data-testid=tab-dashboard]'], open: '[data-testid=tab-review]', ready: '[data-testid=flag-row], [data-testid=review-empty]' },
  { name: 'Archive (channel at its end)', away: ['[data-testid=tab-dashboard]'], open: '[data-testid=tab-archive]', ready: '[data-testid=archive-line]' },
  { name: 'Settings', away: ['[data-testid=tab-dashboard]'], open: '[data-testid=tab-settings]', ready: '[data-testid=setting]' },
];

async function driverAnswers() {
  try {
    return (await fetch(`${driverUrl}/status`)).ok;
  } catch {
    return false;
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Clicks `open` inside the page and resolves, through polling, with the ms until `ready` exists. */
async function timeNavigation(session, screen) {
  await session.execute(
    `const [open, ready] = arguments;
     window.__benchDone = null;
     const target = document.querySelector(open);
     if (!target) { window.__benchDone = -1; return; }
     const started = performance.now();
     const check = () => {
       if (document.querySelector(ready)) window.__benchDone = performance.now() - started;
       else requestAnimationFrame(check);
     };
     target.click();
     check();`,
    [screen.open, screen.ready],
  );
  const elapsed = await session.waitFor(`${screen.name} to show its data`, async () => session.execute('return window.__benchDone;'), {
    timeoutMs: 120_000,
    intervalMs: 20,
  });
  if (elapsed < 0) throw new Error(`${screen.name}: nothing matches ${screen.open}`);
  return elapsed;
}

async function main() {
  if (await driverAnswers()) throw new Error(`port ${port} already answers: stop the other tauri-driver first`);
  mkdirSync(artifacts, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'hearth-bench-'));
  const store = join(work, 'store.sqlite');
  let driver;
  let session;
  try {
    const createdAt = performance.now();
    const demo = JSON.parse(execFileSync(cli, ['--db', store, 'demo', '--scale', String(scale), '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 }));
    const createMs = performance.now() - createdAt;
    console.log(`demo ×${scale}: ${demo.messages} messages, ${demo.members} members, created in ${(createMs / 1000).toFixed(1)} s`);

    const log = openSync(join(artifacts, 'tauri-driver-bench.log'), 'w');
    driver = spawn(tauriDriver, ['--port', String(port)], { env: { ...process.env, HEARTH_DB: store }, stdio: ['ignore', log, log] });
    const deadline = Date.now() + 15_000;
    while (!(await driverAnswers())) {
      if (Date.now() > deadline) throw new Error('tauri-driver did not answer within 15 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const launched = performance.now();
    session = await Session.create(driverUrl, { browserName: 'wry', 'tauri:options': { application: app } });
    // The start screen is the overview; its first group opens the dashboard.
    await session.waitForElement(SCREENS[0].ready, { timeoutMs: 300_000 });
    await session.click(await session.waitForElement('[data-testid=overview-row] [data-testid=overview-name]'));
    await session.waitForElement('[data-testid=health-score]', { timeoutMs: 300_000 });
    const firstMs = performance.now() - launched;
    console.log(`first screen with data: ${(firstMs / 1000).toFixed(1)} s after launch`);

    const results = [];
    for (const screen of SCREENS) {
      const times = [];
      for (let run = 0; run < runs; run += 1) {
        // Somewhere else first (each step waits for what it clicks), then a pause so the
        // screen left has settled before the timed navigation.
        for (const selector of screen.away) {
          await session.click(await session.waitForElement(selector, { timeoutMs: 120_000 }));
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
        times.push(await timeNavigation(session, screen));
      }
      results.push({ screen: screen.name, runs: times.length, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times) });
    }
    writeFileSync(
      join(artifacts, 'screen-timings.json'),
      `${JSON.stringify({ scale, messages: demo.messages, members: demo.members, createMs, firstMs, results }, null, 2)}\n`,
    );
    console.log(`\n| screen (demo ×${scale}: ${demo.messages.toLocaleString('en-US')} messages) | runs | median | min | max | under 300 ms |`);
    console.log('|---|---|---|---|---|---|');
    for (const row of results) {
      const ms = (value) => `${value.toFixed(0)} ms`;
      console.log(`| ${row.screen} | ${row.runs} | ${ms(row.medianMs)} | ${ms(row.minMs)} | ${ms(row.maxMs)} | ${row.medianMs < 300 ? 'yes' : 'no'} |`);
    }
  } finally {
    if (session) await session.delete().catch(() => {});
    if (driver) driver.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
