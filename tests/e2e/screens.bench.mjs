// Screen timings of the real window on a large group (part of `make bench`, not of
// `make test`): the demo community scaled to about a million messages is created with the
// CLI into a new store, the app is opened on it through tauri-driver under Xvfb, and each
// screen is opened repeatedly. A timing runs inside the page, from the click that
// navigates to the moment the screen's data is in the DOM (all of it, for a screen whose
// `ready` is a list), so WebDriver's round trips are not in it. Prints a markdown table and writes tests/e2e/artifacts/screen-timings.json.
//
// Environment: HEARTH_APP, HEARTH_CLI (binaries; the Makefile passes them), TAURI_DRIVER,
// HEARTH_BENCH_SCALE (demo scale, default 6: about 1M messages), HEARTH_BENCH_RUNS (5),
// HEARTH_BENCH_STORE (optional: a store made before with `hearth demo --scale N`, copied and
// used instead of creating one, to profile again without waiting for the demo).
//
// After the screens, each command the screens call is timed on its own through the same
// IPC (`invoke` in the page), with the size of its answer, so that the screen times can be
// split into the core's answer and the drawing.

import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
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
  { name: 'Dashboard (score)', away: ['[data-testid=group-item]', '[data-testid=tab-archive]'], open: '[data-testid=tab-dashboard]', ready: '[data-testid=health-score]' },
  {
    name: 'Dashboard (every chart)',
    away: ['[data-testid=tab-archive]'],
    open: '[data-testid=tab-dashboard]',
    ready: [
      '[data-testid=health-score]',
      '[data-testid=trend-score-chart]',
      '[data-testid=stage-heatmap-grid]',
      '[data-testid=cohort-heatmap-grid]',
      '[data-testid=hour-heatmap-grid]',
      '[data-testid=heatmap-chart-first-minutes]',
      '[data-testid=heatmap-chart-transitions]',
    ],
  },
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

/**
 * Clicks `open` inside the page and resolves, through polling, with the ms until `ready`
 * exists, and the ms until the last command the screen called before that answered (the
 * rest is the page's own work: parsing the answers and drawing). The window notes its
 * commands' times in `__hearthCallLog` when that array exists (see `call` in api.ts).
 */
async function timeNavigation(session, screen) {
  await session.execute(
    `const [open, ready] = arguments;
     window.__hearthCallLog = window.__hearthCallLog ?? [];
     window.__benchDone = null;
     const target = document.querySelector(open);
     if (!target) { window.__benchDone = { ms: -1 }; return; }
     const started = performance.now();
     window.__hearthCallLog.length = 0;
     const check = () => {
       if ((Array.isArray(ready) ? ready : [ready]).every((selector) => document.querySelector(selector))) {
         const done = performance.now();
         const answered = window.__hearthCallLog.filter((call) => call.end !== null && call.end <= done);
         window.__benchDone = {
           ms: done - started,
           answeredMs: answered.reduce((latest, call) => Math.max(latest, call.end - started), 0),
           commands: answered.map((call) => call.command),
         };
       } else requestAnimationFrame(check);
     };
     target.click();
     check();`,
    [screen.open, screen.ready],
  );
  const done = await session.waitFor(`${screen.name} to show its data`, async () => session.execute('return window.__benchDone;'), {
    timeoutMs: 120_000,
    intervalMs: 20,
  });
  if (done.ms < 0) throw new Error(`${screen.name}: nothing matches ${screen.open}`);
  return done;
}

/**
 * Waits until the page has finished what the last click started (answers drawn, charts
 * decoded): five frames in a row, each within 50 ms of the one before, and at least 300 ms
 * after the click, as a person looks at a screen before leaving it. A timing then measures
 * the next screen alone, not the rest of the one before.
 */
async function settled(session) {
  await new Promise((resolve) => setTimeout(resolve, 300));
  await session.execute(
    `window.__benchSettled = false;
     let last = performance.now();
     let calm = 0;
     const frame = (now) => {
       calm = now - last < 50 ? calm + 1 : 0;
       last = now;
       if (calm >= 5) window.__benchSettled = true;
       else requestAnimationFrame(frame);
     };
     requestAnimationFrame(frame);`,
  );
  await session.waitFor('the page to settle', async () => session.execute('return window.__benchSettled;'), { timeoutMs: 60_000, intervalMs: 20 });
}

/** Calls a command through the page's IPC; resolves with its answer and the ms it took. */
async function invokeTimed(session, command, args) {
  await session.execute(
    `const [command, args] = arguments;
     window.__benchCall = null;
     const started = performance.now();
     window.__TAURI_INTERNALS__.invoke(command, args).then(
       (value) => { window.__benchCall = { ms: performance.now() - started, bytes: JSON.stringify(value).length, value }; },
       (error) => { window.__benchCall = { error: JSON.stringify(error) }; },
     );`,
    [command, args],
  );
  const answer = await session.waitFor(`${command} to answer`, async () => session.execute('return window.__benchCall;'), {
    timeoutMs: 120_000,
    intervalMs: 10,
  });
  if (answer.error) throw new Error(`${command}: ${answer.error}`);
  return answer;
}

/** Each command the screens call, timed alone (first group, its first member and channel). */
async function timeCommands(session) {
  const groups = (await invokeTimed(session, 'list_groups', {})).value;
  const groupId = groups[0].group.id;
  const table = (await invokeTimed(session, 'members_table', { groupId })).value;
  const channels = (await invokeTimed(session, 'archive_channels', { groupId })).value;
  const calls = [
    ['list_groups', {}],
    ['overview_row', { groupId }],
    ['dashboard', { groupId }],
    ['health_trend', { groupId, from: null, to: null }],
    ['heatmap', { groupId, kind: 'stages', timezone: null }],
    ['heatmap', { groupId, kind: 'hours', timezone: null }],
    ['members_table', { groupId }],
    ['member_profile', { groupId, memberId: table.members[0].id }],
    ['churn_warnings', { groupId, includeHidden: false, perSeverity: 20 }],
    ['churn_backtest', { groupId }],
    ['review_flags', { groupId }],
    ['archive_channels', { groupId }],
    ['archive_page', { groupId, channelId: channels[0].id, anchor: { kind: 'end' }, limit: 100 }],
    ['group_settings', { groupId }],
  ];
  const rows = [];
  for (const [command, args] of calls) {
    const times = [];
    let bytes = 0;
    for (let run = 0; run < runs; run += 1) {
      const answer = await invokeTimed(session, command, args);
      times.push(answer.ms);
      bytes = answer.bytes;
    }
    const label = command === 'heatmap' ? `heatmap ${args.kind}` : command;
    rows.push({ command: label, runs: times.length, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), bytes });
  }
  return rows;
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
    let demo;
    if (process.env.HEARTH_BENCH_STORE) {
      copyFileSync(process.env.HEARTH_BENCH_STORE, store);
      const groups = JSON.parse(execFileSync(cli, ['--db', store, 'groups', '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 }));
      demo = { messages: groups[0].messages, members: groups[0].members };
    } else {
      demo = JSON.parse(execFileSync(cli, ['--db', store, 'demo', '--scale', String(scale), '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 }));
    }
    const createMs = performance.now() - createdAt;
    console.log(`demo ×${scale}: ${demo.messages} messages, ${demo.members} members, ready in ${(createMs / 1000).toFixed(1)} s`);

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
      const answered = [];
      let commands = [];
      for (let run = 0; run < runs; run += 1) {
        // Somewhere else first (each step waits for what it clicks), then until the page
        // has settled, before the timed navigation.
        for (const selector of screen.away) {
          await session.click(await session.waitForElement(selector, { timeoutMs: 120_000 }));
        }
        await settled(session);
        const done = await timeNavigation(session, screen);
        times.push(done.ms);
        answered.push(done.answeredMs);
        commands = done.commands;
      }
      results.push({
        screen: screen.name,
        runs: times.length,
        medianMs: median(times),
        minMs: Math.min(...times),
        maxMs: Math.max(...times),
        answeredMedianMs: median(answered),
        commands: [...new Set(commands)],
      });
    }
    console.log(
      `\n| screen (demo ×${scale}: ${demo.messages.toLocaleString('en-US')} messages) | runs | median | min | max | under 300 ms | last answer (median) | commands |`,
    );
    console.log('|---|---|---|---|---|---|---|---|');
    for (const row of results) {
      const ms = (value) => `${value.toFixed(0)} ms`;
      console.log(`| ${row.screen} | ${row.runs} | ${ms(row.medianMs)} | ${ms(row.minMs)} | ${ms(row.maxMs)} | ${row.medianMs < 300 ? 'yes' : 'no'} | ${ms(row.answeredMedianMs)} | ${row.commands.join(', ')} |`);
    }
    const commands = await timeCommands(session);
    writeFileSync(
      join(artifacts, 'screen-timings.json'),
      `${JSON.stringify({ scale, messages: demo.messages, members: demo.members, createMs, firstMs, results, commands }, null, 2)}\n`,
    );
    console.log('\n| command (through IPC, as the screens call it) | runs | median | min | max | answer size |');
    console.log('|---|---|---|---|---|---|');
    for (const row of commands) {
      console.log(`| ${row.command} | ${row.runs} | ${row.medianMs.toFixed(0)} ms | ${row.minMs.toFixed(0)} ms | ${row.maxMs.toFixed(0)} ms | ${(row.bytes / 1024).toFixed(0)} KiB |`);
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
