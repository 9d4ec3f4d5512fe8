// What every browser test shares: its arguments, Debian's chromium launched with the
// project's flags (playwright-core never downloads a browser), a phone-sized page in
// one of the app's languages, the ok/FAIL lines and the summary that sets the exit code,
// and a second `lanxang serve` on the same data directory with another fixed clock.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

// BASE_URL ARTIFACT_DIR from the command line (tests/e2e/run.sh passes them)
export function testArgs(script) {
  const [base, artifacts] = process.argv.slice(2);
  if (!base || !artifacts) {
    console.error(`usage: node ${script} BASE_URL ARTIFACT_DIR`);
    process.exit(2);
  }
  mkdirSync(artifacts, { recursive: true });
  return { base, artifacts };
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.LX_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

// a phone-sized window: the app must be usable on a phone
export function phoneContext(browser) {
  return browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
}

let passed = 0;
let failed = 0;

export async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
  }
}

// "N passed, M failed"; exits 1 when a check failed
export function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

// Clicks the language button; the dictionary loads asynchronously, so this waits
// until the page says it switched.
export async function switchLang(page, lang) {
  await page.click(`button.lang[data-lang="${lang}"]`);
  await page.waitForFunction((l) => document.documentElement.lang === l, lang, { timeout: 5000 });
}

// Types a station name into #from or #to and picks the first suggestion.
export async function chooseStation(page, field, name) {
  await page.fill(`#${field}`, name);
  const option = page.locator(`#${field}-list [role="option"]`).first();
  await option.waitFor({ state: 'visible', timeout: 5000 });
  await option.click();
}

// Starts `lanxang --data LX_DATA serve` on a free loopback port with its clock fixed at
// `now` (LANXANG_NOW), beside the server run.sh started (LX_BIN and LX_DATA come from
// run.sh). Resolves to {url, stop()}; stop() sends SIGTERM to that server's PID and
// waits for it to exit.
export async function startServer(now) {
  const bin = process.env.LX_BIN;
  const data = process.env.LX_DATA;
  if (!bin || !data) throw new Error('LX_BIN and LX_DATA are not set (run the tests with tests/e2e/run.sh)');
  const child = spawn(bin, ['--data', data, 'serve', '--listen', '127.0.0.1:0', '--quiet'], {
    env: { ...process.env, LANXANG_NOW: now },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${log}`)), 10000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(log);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the server exited (${code}): ${log}`)); });
  });
  child.stderr.resume();
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
