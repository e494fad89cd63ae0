// Launches Debian's Chromium through playwright-core, headless, with fake camera and microphone.
// Each call gets a fresh profile, so every participant is a separate browser as far as the server knows.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BASE_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  // Without it Chromium gathers candidates on the machine's other interface, not 127.0.0.1.
  '--allow-loopback-in-peer-connection',
];

const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

/** Opens a browser context; `extraArgs` adds Chromium flags (e.g. a fake video file). */
async function launch({ extraArgs = [], locale = 'en-GB', viewport = { width: 1024, height: 700 } } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [...BASE_ARGS, ...extraArgs],
    viewport,
    locale,
    permissions: ['camera', 'microphone', 'clipboard-read', 'clipboard-write'],
  });
  const close = context.close.bind(context);
  context.close = async () => {
    await close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return context;
}

/**
 * The browsers of one test, closed when it ends. `open(who, {extraArgs, viewport})` launches one,
 * runs `prepare(context)` (instrumentation) and `onPage(page, who)`, and records the page's
 * errors in `errors` (tests assert it stays empty).
 */
function browserSet(t, { prepare, onPage } = {}) {
  const contexts = [];
  t.after(async () => {
    for (const c of contexts) await c.close();
  });
  const errors = [];
  const open = async (who, { extraArgs = [], viewport } = {}) => {
    const context = await launch({ extraArgs, viewport });
    contexts.push(context);
    if (prepare) await prepare(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${who}: ${e.message}`));
    if (onPage) onPage(page, who);
    return { context, page };
  };
  return { errors, open };
}

/** Saves a screenshot under tests/artifacts/ and returns its path. */
async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

module.exports = { launch, browserSet, screenshot, BASE_ARGS, ARTIFACTS };
