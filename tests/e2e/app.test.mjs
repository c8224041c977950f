// End-to-end tests of the real Hearth window: tauri-driver (port 4444) -> WebKitWebDriver
// -> the built hearth-desktop binary, on a fresh temporary store, under Xvfb.
// Run through `make e2e`, which builds the UI, the shell and the CLI first. Missing
// prerequisites fail the run: a skipped end-to-end test proves nothing.

import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

import { Session } from './webdriver.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, 'artifacts');
const targetDir = process.env.CARGO_TARGET_DIR;
const appBinary = process.env.HEARTH_APP ?? (targetDir && join(targetDir, 'debug', 'hearth-desktop'));
const cliBinary = process.env.HEARTH_CLI ?? (targetDir && join(targetDir, 'debug', 'hearth'));
const generator = targetDir && join(targetDir, 'debug', 'examples', 'generate_export');
const datasets = process.env.HEARTH_DATASETS;
/** A real Telegram Desktop export written by another project (see the datasets' PROVENANCE.md). */
const TELEGRAM_SAMPLE = 'telegram-json-ui/frontend/sveltekit/static/example/telegram-test-json/result.json';
/** Messages of the generated export the Cancel test stops: far more than it can import before the click. */
const LARGE_EXPORT_MESSAGES = '600000';
/** Messages of the generated export imported whole: enough for the indexes to be built after the summary. */
const READY_EXPORT_MESSAGES = '40000';
const tauriDriver = process.env.TAURI_DRIVER ?? join(homedir(), '.cache', 'hearth', 'tools', 'bin', 'tauri-driver');
const driverPort = 4444;
const driverUrl = `http://127.0.0.1:${driverPort}`;

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command) {
  return (process.env.PATH ?? '').split(delimiter).some((folder) => folder && executable(join(folder, command)));
}

function missingPrerequisites() {
  const missing = [];
  if (!targetDir) missing.push('CARGO_TARGET_DIR is not set (the Makefile sets it)');
  if (!appBinary || !executable(appBinary)) missing.push(`the app binary ${appBinary} (make e2e builds it)`);
  if (!cliBinary || !executable(cliBinary)) missing.push(`the CLI binary ${cliBinary} (make e2e builds it)`);
  if (!generator || !executable(generator)) missing.push(`the export generator ${generator} (make e2e builds it)`);
  if (!datasets || !existsSync(join(datasets, TELEGRAM_SAMPLE))) missing.push(`the Telegram sample ${TELEGRAM_SAMPLE} in HEARTH_DATASETS (make e2e sets it)`);
  if (!executable(tauriDriver)) missing.push(`tauri-driver at ${tauriDriver} (make setup installs it)`);
  if (!onPath('WebKitWebDriver')) missing.push('WebKitWebDriver on PATH (apt package webkit2gtk-driver; make setup installs it)');
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) missing.push('a display (run under xvfb-run, as make e2e does)');
  return missing;
}

async function driverAnswers() {
  try {
    const response = await fetch(`${driverUrl}/status`);
    return response.ok;
  } catch {
    return false;
  }
}

/** Reads a PNG's width and height from its IHDR chunk. */
function pngSize(bytes) {
  assert.equal(bytes.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'the screenshot is not a PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('Hearth desktop window', () => {
  let workDir;
  let storePath;
  let driver;
  let driverExit;
  let driverLog;
  let session;
  let demoGroupId;
  const timings = {};
  const screensSeen = new Set();

  before(async () => {
    const missing = missingPrerequisites();
    assert.deepEqual(missing, [], `end-to-end prerequisites are missing:\n  - ${missing.join('\n  - ')}`);
    assert.equal(await driverAnswers(), false, `port ${driverPort} already answers: another tauri-driver is running; stop it first`);

    mkdirSync(artifacts, { recursive: true });
    workDir = mkdtempSync(join(tmpdir(), 'hearth-e2e-'));
    storePath = join(workDir, 'store.sqlite');
    driverLog = join(artifacts, 'tauri-driver.log');
    const log = openSync(driverLog, 'w');
    // The app inherits tauri-driver's environment, so HEARTH_DB points it at the fresh store.
    driver = spawn(tauriDriver, ['--port', String(driverPort)], {
      env: { ...process.env, HEARTH_DB: storePath },
      stdio: ['ignore', log, log],
    });
    driverExit = new Promise((resolve) => driver.once('exit', (code, signal) => resolve({ code, signal })));
    let exited = false;
    driverExit.then(() => (exited = true));
    const deadline = Date.now() + 15_000;
    while (!(await driverAnswers())) {
      assert.ok(!exited, `tauri-driver exited at start; see ${driverLog}`);
      assert.ok(Date.now() < deadline, `tauri-driver did not answer on port ${driverPort} within 15 s; see ${driverLog}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    assert.equal(existsSync(storePath), false, 'the store must not exist before the app starts');
    const launchedAt = Date.now();
    const started = performance.now();
    session = await Session.create(driverUrl, { browserName: 'wry', 'tauri:options': { application: appBinary } });
    timings.sessionMs = Math.round(performance.now() - started);

    // The first screen the app paints: the demo's progress, or the list if that was quicker.
    const firstScreen = await session.waitForElement('[data-testid=first-start], [data-testid=group-list], [data-testid=start-error]');
    timings.firstScreenMs = Math.round(performance.now() - started);
    screensSeen.add(await session.attribute(firstScreen, 'data-testid'));
    if (screensSeen.has('first-start')) {
      // A picture of the first-start screen once progress has arrived, for people to look at.
      const withProgress = await session
        .waitFor('demo progress', async () => /%/.test(await session.text(await session.waitForElement('[data-testid=progress-step]'))), {
          timeoutMs: 10_000,
        })
        .catch(() => false);
      if (withProgress) writeFileSync(join(artifacts, 'first-start.png'), await session.screenshot());
    }

    // The start screen is the groups overview; the tests below begin on the demo's dashboard.
    await session.waitFor(
      'the groups overview',
      async () => {
        if ((await session.findAll('[data-testid=first-start]')).length > 0) screensSeen.add('first-start');
        const errors = await session.findAll('[data-testid=start-error]');
        if (errors.length > 0) throw new Error(`the app shows an error: ${await session.text(errors[0])}`);
        return (await session.findAll('[data-testid=overview-row]')).length > 0;
      },
      { timeoutMs: 180_000, intervalMs: 100 },
    );
    timings.overviewMs = Math.round(performance.now() - started);
    screensSeen.add('overview');
    // WebKit's driver does not click table rows themselves; the group's name is in the row.
    await session.click((await session.findAll('[data-testid=overview-row] [data-testid=overview-name]'))[0]);
    await session.waitFor(
      'the dashboard of the demo community',
      async () => {
        const errors = await session.findAll('[data-testid=start-error], [data-testid=dashboard-error]');
        if (errors.length > 0) throw new Error(`the app shows an error: ${await session.text(errors[0])}`);
        return (await session.findAll('[data-testid=health-score]')).length > 0;
      },
      { timeoutMs: 180_000, intervalMs: 100 },
    );
    timings.dashboardMs = Math.round(performance.now() - started);

    // Paint timing from inside the page, placed on the same wall clock as the launch.
    const page = await session.execute(
      `const paint = performance.getEntriesByType('paint').find((entry) => entry.name === 'first-contentful-paint');
       return { timeOrigin: performance.timeOrigin, firstContentfulPaint: paint ? paint.startTime : null };`,
    );
    timings.pageNavigationStartMs = Math.round(page.timeOrigin - launchedAt);
    if (page.firstContentfulPaint !== null) {
      timings.firstContentfulPaintMs = Math.round(page.timeOrigin + page.firstContentfulPaint - launchedAt);
    }
  });

  after(async () => {
    try {
      if (session) await session.delete();
    } finally {
      if (driver && driver.exitCode === null && driver.signalCode === null) {
        // SIGTERM, not SIGKILL: tauri-driver stops WebKitWebDriver (and so the app) only then.
        driver.kill('SIGTERM');
        const stopped = await Promise.race([driverExit, new Promise((resolve) => setTimeout(() => resolve(null), 15_000))]);
        assert.ok(stopped, 'tauri-driver did not stop within 15 s of SIGTERM');
      }
      if (workDir) rmSync(workDir, { recursive: true, force: true });
      if (Object.keys(timings).length > 0) {
        timings.screensSeen = [...screensSeen];
        writeFileSync(join(artifacts, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
        console.log(`start-up timings: ${JSON.stringify(timings)}`);
      }
    }
  });

  it('creates the demo community on an empty store and lists it with its Demo badge', async () => {
    assert.equal(await session.title(), 'Hearth');
    const groups = await session.execute(
      `return [...document.querySelectorAll('[data-testid=group-item]')].map((item) => ({
         id: Number(item.dataset.groupId),
         name: item.querySelector('[data-testid=group-name]').textContent,
         badge: item.querySelector('[data-testid=demo-badge]')?.textContent ?? null,
       }));`,
    );
    assert.equal(groups.length, 1, `expected only the demo group, got ${JSON.stringify(groups)}`);
    assert.equal(groups[0].badge, 'Demo');
    demoGroupId = groups[0].id;
    const [badge] = await session.findAll('[data-testid=demo-badge]');
    assert.ok(await session.displayed(badge), 'the Demo badge is not visible');
    const [label] = await session.findAll('[data-testid=demo-label]');
    assert.match(await session.text(label), /Demo community — generated data/);
    assert.ok(existsSync(storePath), 'the app did not create the store it was given in HEARTH_DB');
  });

  it('shows the same health score as the CLI, with one decimal', async () => {
    assert.ok(demoGroupId, 'the demo group was not found');
    const output = execFileSync(cliBinary, ['--db', storePath, 'health', String(demoGroupId), '--json'], { encoding: 'utf8' });
    const report = JSON.parse(output);
    assert.equal(typeof report.score, 'number', `the CLI printed no score: ${output.slice(0, 200)}`);
    const [score] = await session.findAll('[data-testid=health-score]');
    assert.equal(await session.text(score), report.score.toFixed(1));
  });

  it('saves a screenshot of the dashboard as a PNG', async () => {
    const png = await session.screenshot();
    const { width, height } = pngSize(png);
    assert.ok(width >= 1000 && height >= 600, `the screenshot is only ${width}x${height}`);
    const file = join(artifacts, 'dashboard.png');
    writeFileSync(file, png);
    assert.equal(readFileSync(file).length, png.length);
  });

  it('switches to Simplified Chinese and the dark theme at run time, and back', async () => {
    const choose = (testid, value) =>
      session.execute(
        `const select = document.querySelector('[data-testid=' + arguments[0] + ']');
         select.value = arguments[1];
         select.dispatchEvent(new Event('change', { bubbles: true }));`,
        [testid, value],
      );
    const headline = async () => session.text((await session.findAll('#health-title'))[0]);
    assert.equal(await headline(), 'Health score');

    await choose('language', 'zh-CN');
    await choose('theme', 'dark');
    await session.waitFor('the Chinese dashboard', async () => (await headline()) === '健康分');
    const page = await session.execute(
      `return { lang: document.documentElement.lang, theme: document.documentElement.dataset.theme,
                background: getComputedStyle(document.body).backgroundColor,
                facts: document.querySelector('.facts').textContent };`,
    );
    assert.equal(page.lang, 'zh-CN');
    assert.equal(page.theme, 'dark');
    assert.equal(page.background, 'rgb(27, 23, 20)', 'the dark palette is not applied');
    assert.match(page.facts, /名成员/);
    writeFileSync(join(artifacts, 'dashboard-zh-dark.png'), await session.screenshot());

    await choose('language', 'en');
    await choose('theme', 'light');
    await session.waitFor('the English dashboard again', async () => (await headline()) === 'Health score');
  });

  /**
   * English left in the Chinese window: three or more words in a row, each two or more
   * Latin letters with at most quotes, brackets or punctuation around it, separated by
   * spaces (codes, commands and file names — letters joined by `-`, `.`, `/`, `_` — are not
   * words), in the visible text, the placeholders and the images' alt texts. Not counted:
   * community data (elements marked `data-community`: names, message text, notes; group
   * names inside sentences), the core's own detail of an error (marked `lang="en"` and
   * labelled as English), and the proper names of products and formats, which Chinese keeps
   * in Latin letters.
   */
  const ENGLISH_RUN = /(?<![\w./-])[("'“‘]*[A-Za-z]{2,}[)"'”’,.;:!?]*(?:\s+[("'“‘]*[A-Za-z]{2,}[)"'”’,.;:!?]*){2,}(?![\w/-])/g;
  const PROPER_NAMES = ['Hearth', 'Telegram', 'Desktop', 'Discord', 'DiscordChatExporter', 'Slack', 'WhatsApp', 'mbox', 'git', 'JSON', 'CSV', 'HTML', 'SQLite', 'FTS5', 'DAU', 'MAU'];
  async function englishRuns(groupNames) {
    return session.execute(
      `const [properNames, groupNames, englishRun] = arguments;
       const words = new RegExp(englishRun, 'g');
       const proper = new RegExp('\\\\b(?:' + properNames.join('|') + ')\\\\b', 'g');
       const visible = (element) => element.getClientRects().length > 0 && getComputedStyle(element).visibility !== 'hidden';
       const community = (element) => element.closest('[data-community], [lang=en]') !== null;
       const found = [];
       const check = (text, where) => {
         let rest = text;
         for (const name of groupNames) rest = rest.split(name).join(' ');
         rest = rest.replace(proper, ' ');
         for (const run of rest.match(words) ?? []) found.push(where + ': ' + run);
       };
       const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
       for (let node = walker.nextNode(); node; node = walker.nextNode()) {
         const parent = node.parentElement;
         if (!parent || parent.closest('script, style, template') || community(parent) || !visible(parent)) continue;
         const where = parent.closest('[data-testid]')?.dataset.testid ?? parent.tagName.toLowerCase();
         check(node.textContent, where);
       }
       for (const element of document.querySelectorAll('[placeholder], img[alt]')) {
         if (community(element) || !visible(element)) continue;
         check(element.getAttribute('placeholder') ?? element.getAttribute('alt') ?? '', (element.dataset.testid ?? element.tagName.toLowerCase()) + '@attribute');
       }
       // The charts the core draws, shown as SVG images: the words inside them.
       const prefix = 'data:image/svg+xml;base64,';
       for (const image of document.querySelectorAll('img')) {
         if (!image.src.startsWith(prefix) || !visible(image)) continue;
         const bytes = Uint8Array.from(atob(image.src.slice(prefix.length)), (character) => character.charCodeAt(0));
         const svg = new DOMParser().parseFromString(new TextDecoder().decode(bytes), 'image/svg+xml');
         for (const text of svg.getElementsByTagName('text')) check(text.textContent.trim(), (image.dataset.testid ?? 'img') + '@svg');
       }
       return [...new Set(found)];`,
      [PROPER_NAMES, groupNames, ENGLISH_RUN.source],
    );
  }

  it('shows every screen in Simplified Chinese with no English left outside the community’s own text', async () => {
    const groupNames = cliGroups().map((entry) => entry.group.name);
    const demoId = demoGroupId ?? cliGroups().find((entry) => entry.group.name.includes('(demo)'))?.group.id;
    assert.ok(demoId, 'the demo group was not found');
    const leftInEnglish = {};
    const look = async (screen) => {
      const runs = await englishRuns(groupNames);
      if (runs.length > 0) leftInEnglish[screen] = runs;
    };
    const tab = async (name, ready, options = { timeoutMs: 300_000 }) => {
      const [item] = await session.findAll(`[data-testid=group-item][data-group-id="${demoId}"]`);
      await session.click(item);
      await session.click(await session.waitForElement(`[data-testid=tab-${name}]`));
      await session.waitForElement(ready, options);
    };
    await choosePreference('language', 'zh-CN');
    try {
      await session.waitFor('the Chinese window', async () => (await session.execute('return document.documentElement.lang;')) === 'zh-CN');

      await session.click(await session.waitForElement('[data-testid=overview-action]'));
      await session.waitForElement('[data-testid=overview-row]', { timeoutMs: 300_000 });
      await session.waitFor('every overview row computed', async () => (await session.findAll('[data-testid=overview-row-loading]')).length === 0, { timeoutMs: 300_000 });
      await look('overview');

      await tab('dashboard', '[data-testid=health-score]');
      for (const ready of ['trend-score-chart', 'stage-heatmap-grid', 'cohort-heatmap-grid', 'hour-heatmap-grid']) {
        await session.waitForElement(`[data-testid=${ready}]`, { timeoutMs: 300_000 });
      }
      await look('dashboard');
      // Pictures of the core's charts as the Chinese window shows them.
      await session.execute(`document.querySelector('[data-testid=weekly-active]').scrollIntoView();`);
      await snapshot('dashboard-zh-weekly.png');
      await session.execute(`document.querySelector('[data-testid=heatmap-chart-transitions]')?.scrollIntoView();`);
      await snapshot('dashboard-zh-transitions.png');

      await tab('members', '[data-testid=member-row]');
      await look('members');
      await session.execute(
        `const grid = document.querySelector('[data-testid=members-grid]');
         grid.focus();
         grid.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));`,
      );
      await session.waitForElement('[data-testid=member-profile]', { timeoutMs: 300_000 });
      await session.waitForElement('[data-testid=profile-risk-term]', { timeoutMs: 300_000 });
      await look('member profile');

      await tab('warnings', '[data-testid=warning]');
      await session.waitForElement('[data-testid=backtest-method], [data-testid=backtest-error]', { timeoutMs: 300_000 });
      await look('warnings');

      await tab('review', '[data-testid=flag-detail]', { timeoutMs: 120_000 });
      await look('review');
      await session.click(await session.waitForElement('[data-testid=review-log-tab]'));
      await look('review log');
      await session.click(await session.waitForElement('[data-testid=review-queue-tab]'));

      await tab('settings', '[data-testid=setting]', { timeoutMs: 60_000 });
      await look('settings');

      await tab('archive', '[data-testid=archive-line]', { timeoutMs: 60_000 });
      await look('archive');

      await session.click(await session.waitForElement('[data-testid=import-action]'));
      await session.waitForElement('[data-testid=import-path]');
      await look('import');
    } finally {
      await choosePreference('language', 'en');
      await session.waitFor('the English window again', async () => (await session.execute('return document.documentElement.lang;')) === 'en');
      const [item] = await session.findAll(`[data-testid=group-item][data-group-id="${demoId}"]`);
      await session.click(item);
      await session.click(await session.waitForElement('[data-testid=tab-dashboard]'));
      await session.waitForElement('[data-testid=health-score]', { timeoutMs: 120_000 });
    }
    assert.deepEqual(leftInEnglish, {}, 'English text in the Chinese window');
  });

  it('shows the weekly active members chart as a loaded image', async () => {
    const [chart] = await session.findAll('[data-testid=weekly-active-chart]');
    assert.ok(chart, 'no chart image on the dashboard');
    assert.ok(await session.displayed(chart), 'the chart image is not visible');
    const state = await session.execute(
      `const image = arguments[0];
       return { complete: image.complete, width: image.naturalWidth, source: image.src.slice(0, 26) };`,
      [{ 'element-6066-11e4-a52e-4f735466cecf': chart }],
    );
    assert.deepEqual(state.source, 'data:image/svg+xml;base64,');
    assert.ok(state.complete && state.width > 0, `the chart image did not load: ${JSON.stringify(state)}`);
  });

  it('browses the archive: the busiest channel opens at its end, search finds what the CLI finds, a hit opens in context', async () => {
    const [tab] = await session.findAll('[data-testid=tab-archive]');
    await session.click(tab);
    await session.waitFor('archive lines', async () => (await session.findAll('[data-testid=archive-line]')).length > 0);
    const opened = performance.now();
    await session.waitForElement('[data-testid=archive-search]');
    await session.execute(
      `const input = document.querySelector('[data-testid=archive-search]'); input.value = 'release notes';
       input.dispatchEvent(new Event('input', { bubbles: true }));
       input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));`,
    );
    await session.waitFor('search hits', async () => (await session.findAll('[data-testid=archive-hit]')).length > 0);
    timings.archiveSearchMs = Math.round(performance.now() - opened);
    const cli = JSON.parse(
      execFileSync(cliBinary, ['--db', storePath, 'search', String(demoGroupId), 'release notes', '--limit', '100', '--json'], { encoding: 'utf8' }),
    );
    const shown = await session.execute(
      `return [...document.querySelectorAll('[data-testid=archive-hit]')].map((hit) => Number(hit.dataset.messageId));`,
    );
    assert.deepEqual(shown, cli.hits.map((hit) => hit.message.id));
    const marks = await session.execute(`return [...document.querySelectorAll('[data-testid=archive-snippet] mark')].slice(0, 2).map((mark) => mark.textContent.toLowerCase());`);
    assert.deepEqual(marks, ['release', 'notes']);
    await snapshotBothThemes('archive-search');

    const [first] = await session.findAll('[data-testid=archive-hit]');
    await session.click(first);
    await session.waitFor('the hit in its channel', async () => (await session.findAll('.focused[data-testid=archive-line]')).length === 1);
    const focused = await session.execute(
      `const line = document.querySelector('.focused[data-testid=archive-line]');
       const box = line.getBoundingClientRect();
       const view = document.querySelector('[data-testid=archive-scroller]').getBoundingClientRect();
       return { id: Number(line.dataset.messageId), visible: box.top >= view.top && box.bottom <= view.bottom };`,
    );
    assert.equal(focused.id, cli.hits[0].message.id);
    assert.ok(focused.visible, 'the hit is not scrolled into view');
    await snapshotBothThemes('archive');
    const [dashboardTab] = await session.findAll('[data-testid=tab-dashboard]');
    await session.click(dashboardTab);
    await session.waitForElement('[data-testid=health-score]');
  });

  it('runs under the strict CSP without a single violation', async () => {
    const violations = await session.execute('return window.__hearthCspViolations ?? null;');
    assert.deepEqual(violations, []);
  });

  /** Saves a screenshot once the window has painted what the last check saw. */
  async function snapshot(name) {
    await new Promise((resolve) => setTimeout(resolve, 400));
    writeFileSync(join(artifacts, name), await session.screenshot());
  }

  /** The groups the sidebar lists, as {id, name}. */
  async function listedGroups() {
    return session.execute(
      `return [...document.querySelectorAll('[data-testid=group-item]')].map((item) => ({
         id: Number(item.dataset.groupId),
         name: item.querySelector('[data-testid=group-name]').textContent,
       }));`,
    );
  }

  function cliGroups() {
    return JSON.parse(execFileSync(cliBinary, ['--db', storePath, 'groups', '--json'], { encoding: 'utf8' }));
  }

  /** Opens the Import screen and starts importing `path`, typed into the path field. */
  async function startImport(path, screenshotName) {
    await session.click(await session.waitForElement('[data-testid=import-action]'));
    const again = await session.findAll('[data-testid=import-another], [data-testid=import-again]');
    if (again.length > 0) await session.click(again[0]);
    const input = await session.waitForElement('[data-testid=import-path]');
    // Enter asks the core to detect the format, as leaving the field does.
    await session.type(input, `${path}\uE007`);
    // Detection may run twice (Enter, then the change event): read whichever is current.
    const detected = await session.waitFor('the detected format', async () => {
      const [element] = await session.findAll('[data-testid=detected-format]');
      return element ? session.text(element) : null;
    });
    if (screenshotName) await snapshotBothThemes(screenshotName);
    await session.click(await session.waitForElement('[data-testid=import-start]'));
    return detected;
  }

  it('imports a real Telegram export through the Import screen with the same counts as the CLI', async () => {
    const sample = join(datasets, TELEGRAM_SAMPLE);
    const detected = await startImport(sample, 'import-screen');
    assert.equal(detected, 'Detected: Telegram Desktop');
    const summary = await session.waitForElement('[data-testid=import-summary]', { timeoutMs: 60_000 });
    await snapshotBothThemes('import-summary');
    assert.match(await session.text(summary), /Import finished/);

    const shown = await session.execute(
      `const value = (key) => Number(document.querySelector('[data-testid=count-' + key + '-value]').textContent.replace(/,/g, ''));
       return {
         groups: value('groups'), channels: value('channels'), members: value('members'), messages: value('messages'),
         reactions: value('reactions'), duplicates: value('duplicates'),
         skipped: [...document.querySelectorAll('[data-testid=skipped-item]')].map((item) => ({ code: item.dataset.code, count: Number(item.dataset.count) })),
         names: [...document.querySelectorAll('[data-testid=import-group-name]')].map((item) => item.textContent),
       };`,
    );
    // The same file into a fresh store through the CLI: the counts must agree exactly.
    const freshStore = join(workDir, 'cli-fresh.sqlite');
    const cli = JSON.parse(execFileSync(cliBinary, ['--db', freshStore, 'import', sample, '--json'], { encoding: 'utf8' }));
    assert.ok(cli.messages > 0, `the CLI imported no message: ${JSON.stringify(cli)}`);
    assert.deepEqual(
      { groups: shown.groups, channels: shown.channels, members: shown.members, messages: shown.messages, reactions: shown.reactions, duplicates: shown.duplicates },
      { groups: cli.groups.length, channels: cli.channels, members: cli.members, messages: cli.messages, reactions: cli.reactions, duplicates: cli.duplicates },
    );
    // The window says each skip reason from its code; every reason of the sample has one.
    assert.deepEqual(shown.skipped, cli.skipped.map((skipped) => ({ code: skipped.code, count: skipped.count })));
    assert.deepEqual(cli.skipped.filter((skipped) => skipped.code === 'other'), [], 'skip reasons without a code');
    assert.deepEqual(shown.names, cli.groups.map((group) => group.name));

    // The new group is in the store the window uses and in its sidebar, and opens.
    const stored = cliGroups().find((entry) => entry.group.name === cli.groups[0].name);
    assert.ok(stored, 'the imported group is not in the window’s store');
    assert.equal(stored.messages, cli.messages);
    await session.waitFor('the new group in the sidebar', async () => (await listedGroups()).some((group) => group.id === stored.group.id));
    await session.click(await session.waitForElement('[data-testid=open-dashboard]'));
    await session.waitFor('the imported group’s dashboard', async () => {
      const [current] = await session.findAll('[data-testid=group-item][aria-current=page]');
      return current && Number(await session.attribute(current, 'data-group-id')) === stored.group.id;
    });
    await session.waitForElement('[data-testid=health-score], [data-testid=dashboard-error]', { timeoutMs: 30_000 });
  });

  it('shows community text full of HTML and script payloads literally, and runs none of it', async () => {
    // The corpus is the project's own fixture; it becomes a Telegram export: the chat's name,
    // the authors' names and the messages are payloads that write to window.__xss if run.
    const corpus = JSON.parse(readFileSync(join(here, '..', 'fixtures', 'xss', 'payloads.json'), 'utf8'));
    const start = 1_700_000_000;
    const messages = corpus.messages.map((text, index) => ({
      id: index + 1,
      type: 'message',
      date: new Date((start + index * 60) * 1000).toISOString().slice(0, 19),
      date_unixtime: String(start + index * 60),
      from: corpus.members[index % corpus.members.length],
      from_id: `user${900 + (index % corpus.members.length)}`,
      text,
    }));
    // Text as an entity array too, with a javascript: link the importer keeps as text.
    const linkText = 'xssentity';
    messages.push({
      id: messages.length + 1,
      type: 'message',
      date: new Date((start + messages.length * 60) * 1000).toISOString().slice(0, 19),
      date_unixtime: String(start + messages.length * 60),
      from: corpus.members[0],
      from_id: 'user900',
      text: ['see ', { type: 'text_link', text: linkText, href: "javascript:window.__xss=(window.__xss||[]).concat('entity')" }],
    });
    // Something for the review queue and the churn warnings to show: the second member posts
    // the second payload three times in a minute (a flood flag), and a newcomer's first
    // message, two days later, is never answered (a churn warning), two days before the last.
    const later = (at, memberIndex, name, text) =>
      messages.push({
        id: messages.length + 1,
        type: 'message',
        date: new Date(at * 1000).toISOString().slice(0, 19),
        date_unixtime: String(at),
        from: name,
        from_id: `user${900 + memberIndex}`,
        text,
      });
    for (let repeat = 0; repeat < 3; repeat++) later(start + 3600 + repeat * 30, 1, corpus.members[1], corpus.messages[1]);
    later(start + 2 * 86_400, corpus.members.length, corpus.newcomer, corpus.messages[6]);
    later(start + 4 * 86_400, 0, corpus.members[0], corpus.messages[2]);
    const exportPath = join(workDir, 'xss-result.json');
    writeFileSync(exportPath, JSON.stringify({ name: corpus.group, type: 'public_supergroup', id: 424242, messages }));

    await startImport(exportPath);
    await session.waitForElement('[data-testid=import-summary]', { timeoutMs: 60_000 });
    const stored = cliGroups().find((entry) => entry.group.name === corpus.group);
    assert.ok(stored, 'the payload group is not in the store');
    await session.waitFor('the payload group in the sidebar', async () => (await listedGroups()).some((group) => group.id === stored.group.id));
    await session.click(await session.waitForElement('[data-testid=open-dashboard]'));
    await session.waitForElement('[data-testid=health-score], [data-testid=dashboard-error]', { timeoutMs: 30_000 });
    assert.ok((await listedGroups()).some((group) => group.name === corpus.group), 'the group name is not shown literally in the sidebar');

    await session.click(await session.waitForElement('[data-testid=tab-archive]'));
    await session.waitFor('the payload messages', async () => (await session.findAll('[data-testid=archive-line]')).length >= messages.length);
    const archive = await session.execute(
      `const texts = (id) => [...document.querySelectorAll('[data-testid=' + id + ']')].map((element) => element.textContent);
       return { authors: texts('archive-author'), texts: texts('archive-text') };`,
    );
    for (const payload of corpus.messages) assert.ok(archive.texts.includes(payload), `not shown literally: ${payload}`);
    assert.ok(archive.texts.includes(`see ${linkText}`), `the entity message is not shown as text: ${JSON.stringify(archive.texts.slice(-2))}`);
    for (const name of [...corpus.members, corpus.newcomer]) assert.ok(archive.authors.includes(name), `author not shown literally: ${name}`);
    await snapshot('xss-archive.png');

    // Search results render highlighted snippets: the payloads must stay text there too.
    await session.execute(
      `const input = document.querySelector('[data-testid=archive-search]'); input.value = 'xsslink';
       input.dispatchEvent(new Event('input', { bubbles: true }));
       input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));`,
    );
    await session.waitFor('the payload search hit', async () => (await session.findAll('[data-testid=archive-hit]')).length > 0);
    const snippet = await session.text((await session.findAll('[data-testid=archive-snippet]'))[0]);
    assert.match(snippet, /<a href="javascript:.*xsslink<\/a>/);

    const page = await session.execute(
      `const handlers = [...document.querySelectorAll('*')].flatMap((element) =>
         [...element.attributes].filter((attribute) => attribute.name.startsWith('on')).map((attribute) => element.tagName + '[' + attribute.name + ']'));
       return {
         ran: window.__xss ?? null,
         handlers,
         injected: document.querySelectorAll('iframe, marquee, details, animate, a[href^="javascript:"], body style, img[src="x"]').length,
         bodyShown: document.body.getBoundingClientRect().height > 0,
       };`,
    );
    assert.deepEqual(page, { ran: null, handlers: [], injected: 0, bodyShown: true });
    await session.execute(`document.querySelector('[data-testid=archive-search-clear]')?.click();`);
    await session.click(await session.waitForElement('[data-testid=tab-dashboard]'));
  });

  it('shows the payloads literally on the members, profile, review and warnings screens too, and runs none of them', async () => {
    const corpus = JSON.parse(readFileSync(join(here, '..', 'fixtures', 'xss', 'payloads.json'), 'utf8'));
    const stored = cliGroups().find((entry) => entry.group.name === corpus.group);
    assert.ok(stored, 'the payload group is not in the store (the test before imports it)');
    const groupId = stored.group.id;
    const tab = async (name) => {
      await session.click(await session.waitForElement(`[data-testid=group-item][data-group-id="${groupId}"]`));
      await session.click(await session.waitForElement(`[data-testid=tab-${name}]`));
    };
    const texts = (testid) => session.execute(`return [...document.querySelectorAll('[data-testid=' + arguments[0] + ']')].map((element) => element.textContent);`, [testid]);
    const nothingRan = async (where) => {
      const page = await session.execute(
        `const handlers = [...document.querySelectorAll('*')].flatMap((element) =>
           [...element.attributes].filter((attribute) => attribute.name.startsWith('on')).map((attribute) => element.tagName + '[' + attribute.name + ']'));
         return {
           ran: window.__xss ?? null,
           handlers,
           injected: document.querySelectorAll('iframe, marquee, details, animate, script:not([src]), svg[onload], a[href^="javascript:"], body style, img[src="x"]').length,
           bodyShown: document.body.getBoundingClientRect().height > 0,
         };`,
      );
      assert.deepEqual(page, { ran: null, handlers: [], injected: 0, bodyShown: true }, `on the ${where}`);
    };
    const names = [...corpus.members, corpus.newcomer];
    const flags = cliJson('flags', String(groupId)).flags;
    const flood = flags.find((flag) => flag.code === 'flood');
    assert.ok(flood, `the payload export should give a flood flag: ${JSON.stringify(flags.map((flag) => flag.code))}`);
    const warnings = cliJson('warnings', String(groupId)).warnings;
    assert.ok(warnings.length > 0, 'the payload export should give a churn warning');
    const membersById = new Map(cliJson('members', String(groupId)).map((member) => [member.id, member.display_name]));

    // The members table: every name literally.
    await tab('members');
    await session.waitFor('every payload member', async () => (await session.findAll('[data-testid=member-row]')).length === names.length, { timeoutMs: 60_000 });
    assert.deepEqual([...(await texts('member-name'))].sort(), [...names].sort());
    await nothingRan('members table');
    await snapshot('xss-members.png');

    // The flooding member's profile: name, messages, and a note that is itself a payload.
    // The payload name overflows its cell, which WebKit's driver calls not interactable:
    // the row gets the click as the page would see it.
    await session.execute(`document.querySelector('[data-testid=member-row][data-member-id="' + arguments[0] + '"]').click();`, [flood.member_id]);
    await session.waitForElement(`[data-testid=member-profile][data-member-id="${flood.member_id}"]`, { timeoutMs: 60_000 });
    assert.equal(await session.text(await session.waitForElement('[data-testid=profile-name]')), membersById.get(flood.member_id));
    await session.waitForElement('[data-testid=profile-message-text]', { timeoutMs: 60_000 });
    const profileMessages = await texts('profile-message-text');
    assert.ok(profileMessages.includes(corpus.messages[1]), `the profile does not show the payload literally: ${JSON.stringify(profileMessages)}`);
    const note = `${corpus.messages[3]} ${corpus.messages[1]}`;
    await setValue('[data-testid=profile-note-input]', note, 'input');
    await session.click(await session.waitForElement('[data-testid=profile-note-add]'));
    await session.waitFor('the payload note', async () => (await texts('profile-note-body')).includes(note));
    await nothingRan('member profile');
    await snapshot('xss-profile.png');
    await session.click(await session.waitForElement('[data-testid=profile-note-delete]'));
    await session.waitFor('the note gone', async () => (await session.findAll('[data-testid=profile-note]')).length === 0);

    // The review queue: the flag's member and its evidence messages, literally.
    await tab('review');
    await session.waitForElement(`[data-testid=flag-detail][data-flag-id="${flood.id}"]`, { timeoutMs: 60_000 });
    assert.ok((await texts('flag-name')).includes(membersById.get(flood.member_id)));
    assert.equal(await session.text(await session.waitForElement('[data-testid=flag-detail-name]')), membersById.get(flood.member_id));
    await session.waitForElement('[data-testid=flag-message-text]', { timeoutMs: 60_000 });
    const evidence = await texts('flag-message-text');
    assert.deepEqual(evidence, [corpus.messages[1], corpus.messages[1], corpus.messages[1]], 'the flag’s evidence messages');
    await nothingRan('review queue');
    await snapshot('xss-review.png');

    // The churn warnings: the newcomer's name literally.
    await tab('warnings');
    await session.waitForElement('[data-testid=warning]', { timeoutMs: 60_000 });
    const warned = await texts('warning-name');
    assert.deepEqual([...warned].sort(), warnings.map((item) => membersById.get(item.warning.member_id)).sort());
    assert.ok(warned.includes(corpus.newcomer), `the newcomer's warning is missing: ${JSON.stringify(warned)}`);
    await nothingRan('churn warnings');
    await snapshot('xss-warnings.png');
    await session.click(await session.waitForElement('[data-testid=tab-dashboard]'));
  });

  it('cancels the import of a large generated export and leaves the groups as they were', async () => {
    const exportPath = join(workDir, 'large-result.json');
    execFileSync(generator, ['telegram', LARGE_EXPORT_MESSAGES, exportPath]);
    const groupsBefore = cliGroups();
    const listedBefore = await listedGroups();

    await startImport(exportPath);
    // Live progress: bytes of the file, then (after a second of reports) rate and time left.
    await session.waitFor('progress of the large import', async () => {
      const amounts = await session.findAll('[data-testid=import-amount]');
      return amounts.length > 0 && /MB of \d+ MB/.test(await session.text(amounts[0]));
    });
    const timeLeft = await session.waitFor('a rate and a time left', async () => {
      const [rate] = await session.findAll('[data-testid=import-rate]');
      const [left] = await session.findAll('[data-testid=import-time-left]');
      if (!rate || !left) return null;
      const [rateText, leftText] = [await session.text(rate), await session.text(left)];
      return /MB\/s · [\d,]+ items\/s/.test(rateText) && /^about .+ left$/.test(leftText) ? leftText : null;
    });
    assert.match(timeLeft, /^about \d+(\.\d)? (s|min|h) left$/);
    await snapshot('import-progress.png');
    await session.click(await session.waitForElement('[data-testid=import-cancel]'));
    const notice = await session.waitForElement('[data-testid=import-cancelled]', { timeoutMs: 60_000 });
    assert.match(await session.text(notice), /store is exactly as it was before/);

    assert.deepEqual(cliGroups(), groupsBefore);
    assert.deepEqual(await listedGroups(), listedBefore);
  });

  it('shows a large import’s summary at the commit, then builds the remaining indexes in the background with a status', async () => {
    // Past the row count after which an import into a new group leaves three indexes for
    // after its commit (more than an eighth of what the store holds with the demo).
    const exportPath = join(workDir, 'ready-result.json');
    execFileSync(generator, ['telegram', READY_EXPORT_MESSAGES, exportPath]);
    await startImport(exportPath);
    const started = performance.now();
    const summary = await session.waitForElement('[data-testid=import-summary]', { timeoutMs: 120_000 });
    timings.largeImportSummaryMs = Math.round(performance.now() - started);
    assert.match(await session.text(summary), /Import finished/);
    // The shell answered before building them: the summary says so and follows the build.
    const status = await session.waitForElement('[data-testid=summary-index-status]');
    assert.match(await session.text(status), /archive and profile indexes|Every index is built/);
    await session.waitFor(
      'every index built',
      async () => {
        const [line] = await session.findAll('[data-testid=summary-index-status][data-state=built]');
        return line ? session.text(line) : null;
      },
      { timeoutMs: 120_000 },
    );
    timings.largeImportIndexesBuiltMs = Math.round(performance.now() - started);
    assert.deepEqual(await session.findAll('[data-testid=index-status]'), [], 'the sidebar still says indexes are being built');
    // Everything is in the store the window uses, and the group's dashboard opens.
    const messages = Number((await session.text(await session.waitForElement('[data-testid=count-messages-value]'))).replace(/,/g, ''));
    const stored = cliGroups().find((entry) => entry.messages === messages && entry.group.platform === 'telegram' && !entry.group.is_demo);
    assert.ok(stored, `no group of ${messages} messages in the store`);
    await session.click(await session.waitForElement('[data-testid=open-dashboard]'));
    await session.waitForElement('[data-testid=health-score], [data-testid=dashboard-error]', { timeoutMs: 60_000 });
  });

  it('still runs under the strict CSP after the imports', async () => {
    const violations = await session.execute('return window.__hearthCspViolations ?? null;');
    assert.deepEqual(violations, []);
  });

  // people: overview, members, profile

  /** Picks a value in one of the Preferences selects (language, theme), as a person would. */
  async function choosePreference(testid, value) {
    await session.execute(
      `const select = document.querySelector('[data-testid=' + arguments[0] + ']');
       select.value = arguments[1];
       select.dispatchEvent(new Event('change', { bubbles: true }));`,
      [testid, value],
    );
  }

  /** Saves `name`-light.png and `name`-dark.png of what the window shows now. */
  async function snapshotBothThemes(name) {
    await snapshot(`${name}-light.png`);
    await choosePreference('theme', 'dark');
    await session.waitFor('the dark theme', async () => (await session.execute('return document.documentElement.dataset.theme;')) === 'dark');
    await snapshot(`${name}-dark.png`);
    await choosePreference('theme', 'light');
    await session.waitFor('the light theme', async () => (await session.execute('return document.documentElement.dataset.theme;')) === 'light');
  }

  function cliJson(...args) {
    return JSON.parse(execFileSync(cliBinary, ['--db', storePath, ...args, '--json'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }));
  }

  /** Sets an input's or select's value and tells the page, as typing or picking would. */
  async function setValue(selector, value, eventName) {
    await session.execute(
      `const element = document.querySelector(arguments[0]); element.value = arguments[1];
       element.dispatchEvent(new Event(arguments[2], { bubbles: true }));`,
      [selector, value, eventName],
    );
  }

  async function membersShown() {
    const [count] = await session.findAll('[data-testid=members-count]');
    return count ? Number(await session.attribute(count, 'data-shown')) : null;
  }

  it('starts on the overview: every group, the demo scored as `hearth health` scores it, with search and sort', async () => {
    await session.click(await session.waitForElement('[data-testid=overview-action]'));
    const opened = performance.now();
    const demoScore = `[data-testid=overview-row][data-group-id="${demoGroupId}"] [data-testid=overview-score]`;
    const [score] = await session.waitFor('the demo’s score on the overview', async () => session.findAll(demoScore).then((found) => (found.length ? found : null)), {
      timeoutMs: 300_000,
    });
    timings.overviewDemoRowMs = Math.round(performance.now() - opened);
    const report = cliJson('health', String(demoGroupId));
    assert.equal(await session.text(score), report.score.toFixed(1));
    const rows = await session.execute(
      `return [...document.querySelectorAll('[data-testid=overview-row]')].map((row) => ({
         id: Number(row.dataset.groupId), name: row.querySelector('[data-testid=overview-name]').textContent,
         points: row.querySelector('[data-testid=overview-sparkline]')?.dataset.points ?? null,
         archive: row.querySelector('[data-testid=overview-archive]') !== null }));`,
    );
    assert.deepEqual(rows.map((row) => row.id).sort(), cliGroups().map((entry) => entry.group.id).sort());
    const demo = rows.find((row) => row.id === demoGroupId);
    assert.equal(demo.points, '12', 'the sparkline has the last 12 weekly scores');

    // Every row computed, then search and sort.
    await session.waitFor('every row computed', async () => (await session.findAll('[data-testid=overview-row-loading]')).length === 0, { timeoutMs: 300_000 });
    await setValue('[data-testid=overview-search]', 'makers', 'input');
    await session.waitFor('only the demo', async () => (await session.findAll('[data-testid=overview-row]')).length === 1);
    await setValue('[data-testid=overview-search]', 'no group is called this', 'input');
    await session.waitForElement('[data-testid=overview-no-match]');
    await setValue('[data-testid=overview-search]', '', 'input');
    await session.click(await session.waitForElement('[data-testid=overview-sort-score]'));
    const scores = await session.execute(
      `return [...document.querySelectorAll('[data-testid=overview-score]')].map((cell) => cell.textContent === '—' ? null : Number(cell.textContent));`,
    );
    const numbers = scores.filter((value) => value !== null);
    assert.deepEqual(numbers, [...numbers].sort((a, b) => b - a), `scores not highest first: ${scores}`);
    await session.click(await session.waitForElement('[data-testid=overview-sort-name]'));
    await snapshotBothThemes('overview');
  });

  it('opens a group with Enter, and a stage heatmap cell opens exactly the members behind it', async () => {
    // WebKit's driver sends no keys to a table row; focus it and press Enter as the page sees it.
    await session.execute(
      `const row = document.querySelector('[data-testid=overview-row][data-group-id="' + arguments[0] + '"]');
       row.focus();
       row.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));`,
      [demoGroupId],
    );
    await session.waitForElement('[data-testid=health-score]', { timeoutMs: 120_000 });
    await session.waitForElement('[data-testid=trend-score-chart]', { timeoutMs: 300_000 });
    const cells = await session.waitFor('the stage heatmap', async () => {
      const found = await session.findAll('[data-testid=stage-heatmap-grid] button.cell');
      return found.length > 0 ? found : null;
    }, { timeoutMs: 300_000 });
    await session.waitForElement('[data-testid=cohort-heatmap-grid]', { timeoutMs: 300_000 });
    await session.waitForElement('[data-testid=hour-heatmap-grid]', { timeoutMs: 300_000 });
    await session.execute(`document.querySelector('[data-testid=trend-panel]').scrollIntoView();`);
    await snapshotBothThemes('dashboard-trend');
    await session.execute(`document.querySelector('[data-testid=stage-heatmap]').scrollIntoView();`);
    await snapshotBothThemes('dashboard-heatmaps');

    // The last cell of the first row: the core members at the end of the latest week.
    const last = cells[await session.execute(
      `const cells = [...document.querySelectorAll('[data-testid=stage-heatmap-grid] button.cell')];
       const first = cells.filter((cell) => cell.dataset.row === '0');
       return cells.indexOf(first[first.length - 1]);`,
    )];
    const expected = Number(await session.attribute(last, 'data-value'));
    await session.click(last);
    await session.waitForElement('[data-testid=filter-only]', { timeoutMs: 300_000 });
    await session.waitFor('the members behind the cell', async () => (await membersShown()) === expected, { timeoutMs: 300_000 });
    const core = cliJson('members', String(demoGroupId), '--stage', 'core');
    assert.equal(expected, core.length, 'the last week’s core cell is today’s core members');
    const stages = await session.execute(`return [...new Set([...document.querySelectorAll('[data-testid=member-row]')].map((row) => row.children[1].textContent))];`);
    assert.deepEqual(stages, ['Core']);
    await session.click(await session.waitForElement('[data-testid=filter-clear]'));
  });

  it('shows every member in a virtualised table whose filters and sorting agree with `hearth members`', async () => {
    const all = cliJson('members', String(demoGroupId));
    const opened = performance.now();
    await session.click(await session.waitForElement('[data-testid=tab-members]'));
    await session.waitFor('every member', async () => (await membersShown()) === all.length, { timeoutMs: 300_000 });
    timings.membersTableMs = Math.round(performance.now() - opened);
    const rendered = (await session.findAll('[data-testid=member-row]')).length;
    assert.ok(all.length > 1000 && rendered > 5 && rendered < 60, `${rendered} rows in the DOM for ${all.length} members`);

    await setValue('[data-testid=filter-stage]', 'contributor', 'change');
    const contributors = cliJson('members', String(demoGroupId), '--stage', 'contributor');
    await session.waitFor('the contributors', async () => (await membersShown()) === contributors.length);
    await setValue('[data-testid=filter-state]', 'silent', 'change');
    const silent = cliJson('members', String(demoGroupId), '--stage', 'contributor', '--state', 'silent');
    await session.waitFor('the silent contributors', async () => (await membersShown()) === silent.length);
    await setValue('[data-testid=filter-state]', '', 'change');
    await session.waitFor('the contributors again', async () => (await membersShown()) === contributors.length);

    // Risk, highest first, as `hearth members --sort risk` ranks them.
    const byRisk = cliJson('members', String(demoGroupId), '--stage', 'contributor', '--sort', 'risk');
    await session.click(await session.waitForElement('[data-testid=sort-activity]'));
    await session.click(await session.waitForElement('[data-testid=sort-risk]'));
    const topIds = async () => session.execute(`return [...document.querySelectorAll('[data-testid=member-row]')].slice(0, 5).map((row) => Number(row.dataset.memberId));`);
    assert.deepEqual(await topIds(), byRisk.slice(0, 5).map((member) => member.id));
    await session.click(await session.waitForElement('[data-testid=sort-name]'));
    const names = await session.execute(`return [...document.querySelectorAll('[data-testid=member-name]')].map((name) => name.textContent);`);
    for (let index = 1; index < names.length; index++) {
      assert.ok(names[index - 1].localeCompare(names[index], undefined, { sensitivity: 'base', numeric: true }) <= 0, `${names[index - 1]} before ${names[index]}`);
    }

    // Scrolling far down replaces the rows instead of adding them.
    await setValue('[data-testid=filter-stage]', '', 'change');
    await session.waitFor('every member again', async () => (await membersShown()) === all.length);
    await session.execute(`const scroller = document.querySelector('[data-testid=members-scroller]'); scroller.scrollTop = scroller.scrollHeight / 2; scroller.dispatchEvent(new Event('scroll'));`);
    await session.waitFor('rows from the middle', async () => {
      const indexes = await session.execute(`return [...document.querySelectorAll('[data-testid=member-row]')].map((row) => Number(row.getAttribute('aria-rowindex')));`);
      return indexes.length < 60 && indexes[0] > all.length / 3;
    });
    await session.execute(`const scroller = document.querySelector('[data-testid=members-scroller]'); scroller.scrollTop = 0; scroller.dispatchEvent(new Event('scroll'));`);
    await setValue('[data-testid=filter-stage]', 'contributor', 'change');
    await session.waitFor('the contributors', async () => (await membersShown()) === contributors.length);
    await snapshotBothThemes('members');
  });

  it('exports the filtered members to the CSV file chosen in the save dialog', async () => {
    const contributors = cliJson('members', String(demoGroupId), '--stage', 'contributor');
    assert.equal(await membersShown(), contributors.length);
    // Not in or under the store's folder: the save dialog opens and closes the files of the
    // folders it lists (to tell their types), and closing any descriptor of the store drops
    // the window's SQLite locks (POSIX locks are per process), after which the CLI's last
    // close checkpoints and resets the write-ahead log under the window: the window's later
    // writes were lost (the review and settings tests below caught it).
    const exportDir = mkdtempSync(join(tmpdir(), 'hearth-e2e-export-'));
    const target = join(exportDir, 'contributors.csv');
    await session.click(await session.waitForElement('[data-testid=members-export]'));
    // The system's save dialog is a window of its own: type the path into it as a person would.
    const dialog = execFileSync('xdotool', ['search', '--sync', '--name', 'Save the members as CSV'], { encoding: 'utf8', timeout: 30_000 }).trim().split('\n')[0];
    // Xvfb runs no window manager: focus the dialog directly (activation needs one).
    execFileSync('xdotool', ['windowfocus', '--sync', dialog]);
    execFileSync('xdotool', ['key', '--clearmodifiers', 'ctrl+a']);
    execFileSync('xdotool', ['type', '--delay', '20', target]);
    execFileSync('xdotool', ['key', 'Return']);
    const note = await session.waitForElement('[data-testid=members-export-note]', { timeoutMs: 30_000 });
    assert.match(await session.text(note), /^Saved [\d,]+ members to /);
    const lines = readFileSync(target, 'utf8').trimEnd().split('\r\n');
    assert.equal(lines[0].split(',')[0], 'id');
    assert.equal(lines.length - 1, contributors.length, 'one CSV line per filtered member');
    assert.deepEqual(lines.slice(1).map((line) => Number(line.split(',')[0])).sort((a, b) => a - b), contributors.map((member) => member.id).sort((a, b) => a - b));
    rmSync(exportDir, { recursive: true, force: true });
  });

  it('opens a member profile with Enter: stage history, risk, neighbours, messages and notes kept as text', async () => {
    await session.waitForElement('[data-testid=members-grid]');
    const firstId = Number(await session.execute(`return document.querySelector('[data-testid=member-row]').dataset.memberId;`));
    // As on the overview: WebKit's driver sends no keys to a non-editable element, so the
    // grid gets the focus and the Enter key as the page would see them.
    await session.execute(
      `const grid = document.querySelector('[data-testid=members-grid]');
       grid.focus();
       grid.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));`,
    );
    const opened = performance.now();
    await session.waitForElement(`[data-testid=member-profile][data-member-id="${firstId}"]`, { timeoutMs: 300_000 });
    timings.memberProfileMs = Math.round(performance.now() - opened);
    const { stage: cli } = cliJson('member', String(demoGroupId), String(firstId));
    const history = await session.execute(`return [...document.querySelectorAll('[data-testid=profile-history-item]')].map((item) => item.textContent.trim());`);
    assert.equal(history.length, cli.changes.length);
    assert.ok(history.length > 0, 'the profile shows the stage history');
    assert.match(history[0], new RegExp(`^${cli.changes[0].week}`));
    assert.ok((await session.findAll('[data-testid=profile-risk-term]')).length > 0);
    assert.ok((await session.findAll('[data-testid=profile-weekly-chart] rect')).length > 0);

    const payload = '<img src=x onerror="window.__notePwned=1">note & <b>bold</b>';
    await setValue('[data-testid=profile-note-input]', payload, 'input');
    await session.click(await session.waitForElement('[data-testid=profile-note-add]'));
    const body = await session.waitForElement('[data-testid=profile-note-body]');
    assert.equal(await session.text(body), payload);
    assert.equal(await session.execute('return window.__notePwned ?? null;'), null);
    await session.click(await session.waitForElement('[data-testid=profile-note-edit-button]'));
    await setValue('[data-testid=profile-note-edit]', 'Offered mentoring', 'input');
    await session.click(await session.waitForElement('[data-testid=profile-note-save]'));
    await session.waitFor('the edited note', async () => (await session.text(await session.waitForElement('[data-testid=profile-note-body]'))) === 'Offered mentoring');
    await snapshotBothThemes('member-profile');
    await session.click(await session.waitForElement('[data-testid=profile-note-delete]'));
    await session.waitFor('the note gone', async () => (await session.findAll('[data-testid=profile-note]')).length === 0);

    await session.click(await session.waitForElement('[data-testid=profile-back]'));
    const contributors = cliJson('members', String(demoGroupId), '--stage', 'contributor');
    await session.waitFor('the filtered members again', async () => (await membersShown()) === contributors.length);
    const violations = await session.execute('return window.__hearthCspViolations ?? null;');
    assert.deepEqual(violations, []);
  });

  // moderation: warnings, review, settings

  /** Opens one of the group's tabs for the demo community. */
  async function openTab(tab) {
    const [item] = await session.findAll(`[data-testid=group-item][data-group-id="${demoGroupId}"]`);
    assert.ok(item, 'the demo group is not in the sidebar');
    await session.click(item);
    await session.click(await session.waitForElement(`[data-testid=tab-${tab}]`));
  }

  /** Presses keys as a person would (WebDriver key actions), on whatever has the focus. */
  async function pressKeys(...keys) {
    const actions = keys.flatMap((key) => [
      { type: 'keyDown', value: key },
      { type: 'keyUp', value: key },
    ]);
    await session.command('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions }] });
    await session.command('DELETE', '/actions');
  }

  it('lists the same churn warnings as `hearth warnings`, grouped by severity, with the backtest beside them', async () => {
    const opened = performance.now();
    await openTab('warnings');
    await session.waitForElement('[data-testid=warnings-loading], [data-testid=warning], [data-testid=warnings-empty]', { timeoutMs: 10_000 });
    await session.waitForElement('[data-testid=warning], [data-testid=warnings-empty], [data-testid=warnings-error]', { timeoutMs: 180_000 });
    timings.warningsMs = Math.round(performance.now() - opened);
    assert.equal((await session.findAll('[data-testid=warnings-error]')).length, 0, 'the warnings screen shows an error');

    const expected = cliJson('warnings', String(demoGroupId));
    // Each severity draws its first 50 cards and says how many more there are; show them all.
    const firstPage = await session.execute(`return document.querySelectorAll('[data-testid=warning]').length;`);
    assert.ok(firstPage <= 150, `${firstPage} cards drawn at once`);
    for (let more = await session.findAll('[data-testid^=warnings-more-]'); more.length > 0; more = await session.findAll('[data-testid^=warnings-more-]')) {
      await session.click(more[0]);
    }
    const shown = await session.execute(
      `return [...document.querySelectorAll('[data-testid^=severity-]')].map((group) => ({
         severity: group.dataset.testid.replace('severity-', ''),
         members: [...group.querySelectorAll('[data-testid=warning]')].map((card) => Number(card.dataset.memberId)),
       }));`,
    );
    const bySeverity = (severity) =>
      expected.warnings.filter((item) => item.warning.severity === severity).map((item) => item.warning.member_id).sort((a, b) => a - b);
    const severities = ['high', 'medium', 'low'].filter((severity) => bySeverity(severity).length > 0);
    assert.ok(expected.warnings.length > 0, 'the demo community should have churn warnings');
    assert.deepEqual(shown.map((group) => group.severity), severities, 'groups are high, medium, low');
    for (const group of shown) assert.deepEqual([...group.members].sort((a, b) => a - b), bySeverity(group.severity), `${group.severity} warnings`);

    // The backtest arrives on its own, after the warnings.
    await session.waitForElement('[data-testid=backtest-method][data-method=risk_score], [data-testid=backtest-error]', { timeoutMs: 240_000 });
    timings.backtestMs = Math.round(performance.now() - opened);
    assert.equal((await session.findAll('[data-testid=backtest-error]')).length, 0, 'the backtest shows an error');
    await snapshotBothThemes('warnings');
  });

  it('reviews flags with the keyboard: j moves, a decides, u undoes, n notes and e escalates, as `hearth flags` shows', async () => {
    const opened = performance.now();
    await openTab('review');
    await session.waitForElement('[data-testid=flag-row], [data-testid=review-empty], [data-testid=review-error]', { timeoutMs: 120_000 });
    timings.reviewMs = Math.round(performance.now() - opened);
    const rows = async () => session.execute(`return [...document.querySelectorAll('[data-testid=flag-row]')].map((row) => Number(row.dataset.flagId));`);
    const selected = async () => session.execute(`return Number(document.querySelector('[data-testid=flag-row][aria-current=true]')?.dataset.flagId);`);
    const status = (flagId) => cliJson('flags', String(demoGroupId)).flags.find((flag) => flag.id === flagId);
    const open = await rows();
    assert.ok(open.length >= 2, `the demo community should have at least two open flags, got ${open.length}`);
    assert.match(await session.text((await session.findAll('[data-testid=review-keys]'))[0]), /j\s*\/\s*k/);
    await session.execute('document.activeElement?.blur();');

    await pressKeys('j');
    await session.waitFor('the second flag selected', async () => (await selected()) === open[1]);
    await pressKeys('a');
    await session.waitFor('the actioned flag to leave the open queue', async () => !(await rows()).includes(open[1]));
    await session.waitFor('the decision in the store', async () => status(open[1]).status === 'actioned', { timeoutMs: 60_000, intervalMs: 500 });
    await snapshot('review-decided.png');

    await pressKeys('u');
    await session.waitFor('the flag back in the queue', async () => (await rows()).includes(open[1]));
    assert.equal(status(open[1]).status, 'open');
    assert.equal(await selected(), open[1]);

    await pressKeys('n');
    const note = await session.waitForElement('[data-testid=review-note-input]');
    // Letters typed into the note are text, not commands.
    await session.type(note, 'spam wave; asked the owner\uE007');
    await session.waitForElement('[data-testid=review-note-pending]');
    assert.equal(status(open[1]).status, 'open', 'typing the note decided nothing');
    await snapshotBothThemes('review');
    await session.execute('document.activeElement?.blur();');
    await pressKeys('e');
    await session.waitFor('the escalated flag to leave the open queue', async () => !(await rows()).includes(open[1]));
    const escalated = status(open[1]);
    assert.equal(escalated.status, 'escalated');
    assert.equal(escalated.note, 'spam wave; asked the owner');
    assert.deepEqual(
      escalated.decisions.map((decision) => [decision.to_status, decision.undone_at !== null]),
      [
        ['actioned', true],
        ['escalated', false],
      ],
    );

    await session.click(await session.waitForElement('[data-testid=review-log-tab]'));
    await session.waitForElement('[data-testid=review-log-entry]');
    const log = await session.execute(`return [...document.querySelectorAll('[data-testid=review-log-entry]')].map((row) => row.textContent);`);
    assert.equal(log.length, 2);
    assert.match(log[0], /spam wave; asked the owner/);
    await snapshotBothThemes('review-log');
    await session.click(await session.waitForElement('[data-testid=review-queue-tab]'));
  });

  it('previews the score under an unsaved setting, and saving stores it as `hearth settings` shows', async () => {
    await openTab('settings');
    const key = 'health.metrics.messages_per_active_member.high';
    const field = await session.waitForElement(`[data-testid=setting][data-key="${key}"]`, { timeoutMs: 60_000 });
    const before = cliJson('health', String(demoGroupId));
    const typed = performance.now();
    await session.type(field, '1000');
    await session.waitForElement('[data-testid=preview-score]', { timeoutMs: 60_000 });
    timings.settingsPreviewMs = Math.round(performance.now() - typed);
    const current = await session.text((await session.findAll('[data-testid=preview-current]'))[0]);
    const previewed = await session.text((await session.findAll('[data-testid=preview-score]'))[0]);
    assert.equal(current, before.score.toFixed(1));
    assert.ok(Number(previewed) < Number(current), `a far target lowers the score: ${previewed} vs ${current}`);
    assert.match(await session.text((await session.findAll('[data-testid=preview-changes]'))[0]), /Messages per active member/);
    // Nothing is stored before Save.
    assert.equal(cliJson('settings', String(demoGroupId), 'get', key), before.metrics.find((metric) => metric.metric === 'messages_per_active_member').high);
    await snapshotBothThemes('settings');

    await session.click(await session.waitForElement('[data-testid=settings-save]'));
    await session.waitForElement('[data-testid=settings-saved]');
    await session.waitFor('the saved setting in the store', async () => cliJson('settings', String(demoGroupId), 'get', key) === 1000, { timeoutMs: 60_000, intervalMs: 500 });
    assert.equal(cliJson('health', String(demoGroupId)).score.toFixed(1), previewed);

    // A weight alone cannot be saved: the window says what to do.
    const weight = await session.waitForElement('[data-testid=setting][data-key="health.metrics.retention7d.weight"]');
    await session.type(weight, '0.9');
    await session.waitFor('the typed weight', async () => (await session.execute('return arguments[0].value;', [{ 'element-6066-11e4-a52e-4f735466cecf': weight }])) === '0.9');
    const problem = await session.waitForElement('[data-testid=setting-problem][data-key="health.metrics"]');
    assert.match(await session.text(problem), /must add up to 1/);
    await snapshot('settings-problem-light.png');

    // Back to the defaults for the tests that follow.
    await session.click(await session.waitForElement('[data-testid=reset-health]'));
    await session.click(await session.waitForElement('[data-testid=reset-health]'));
    await session.waitFor('the default target again', async () => cliJson('settings', String(demoGroupId), 'get', key) !== 1000);
  });
});
