// Registration end to end (issue 6, G1–G3) with real Chromium pages and a real SMTP server
// (aiosmtpd from .venv, as the Rust mail tests use):
// - the organiser turns "Require registration" on from the session's registration page;
// - a visitor meets the gate on the session page, registers on the public form (labels and
//   errors tied to fields), and gets the confirmation mail with the registration ID;
// - in a fresh browser, the person enters with e-mail + registration ID and, once the
//   moderator has started the live, sees the stage (its video decodes).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { waitFor } = require('../lib/media.js');
const { webinarScene, enterBackstage, stageMedia } = require('../lib/webinar.js');
const { signIn } = require('../lib/rooms.js');

const ROOT = path.join(__dirname, '..', '..');
const PYTHON = process.env.AMPHI_TEST_PYTHON || path.join(ROOT, '.venv', 'bin', 'python');
const PASSWORD = 'correct horse battery staple';

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** aiosmtpd writing a Maildir; fails (never skips) without Python and aiosmtpd. */
async function smtpSink(t) {
  assert.ok(fs.existsSync(PYTHON), `no Python at ${PYTHON}: run scripts/install-deps (aiosmtpd)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-smtp-'));
  const maildir = path.join(dir, 'Maildir');
  const port = await freePort();
  const child = spawn(PYTHON, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', maildir], { stdio: 'ignore' });
  t.after(() => {
    child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await waitFor(() => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
    s.on('error', () => resolve(false));
  }), { timeoutMs: 15000, what: 'aiosmtpd listening' });
  return { url: `smtp://127.0.0.1:${port}`, maildir };
}

/** Every mail of the Maildir, decoded by Python's own email package: [{to, subject, text}]. */
function readMails(maildir) {
  const script = `
import email, email.policy, json, os, sys
new = os.path.join(sys.argv[1], "new")
out = []
for name in sorted(os.listdir(new)) if os.path.isdir(new) else []:
    with open(os.path.join(new, name), "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    text = next((p.get_content() for p in msg.walk() if p.get_content_type() == "text/plain"), "")
    out.append({"to": str(msg.get("To", "")), "subject": str(msg.get("Subject", "")), "text": text})
json.dump(out, sys.stdout)
`;
  const r = spawnSync(PYTHON, ['-c', script, maildir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`reading the Maildir failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('register on the public page, read the mail, join the live with e-mail and ID', async (t) => {
  const sink = await smtpSink(t);
  const scene = await webinarScene(t, { env: { AMPHI_MAIL_SMTP_URL: sink.url } });
  const { server, session, moderator } = scene;
  const slug = session.slug;

  // The organiser turns registration on, approving automatically.
  const org = await scene.browser('Organiser');
  await signIn(org.page, server.url, moderator.email, PASSWORD);
  await org.page.goto(`${server.url}/programme/sessions/${slug}/registration`);
  await org.page.getByRole('checkbox', { name: 'Require registration' }).check();
  await org.page.getByRole('checkbox', { name: 'Approve all registration requests automatically' }).check();
  await org.page.getByRole('button', { name: 'Save', exact: true }).click();
  await org.page.getByText('Registration settings saved.').waitFor();

  // A visitor meets the gate, then registers; a refusal names its field.
  const visitor = await scene.browser('Visitor');
  await visitor.page.goto(session.url);
  await visitor.page.getByRole('heading', { name: 'Registration required: Product launch', level: 1 }).waitFor();
  await visitor.page.getByRole('link', { name: 'Register' }).click();
  await visitor.page.getByRole('heading', { name: 'Register for Product launch', level: 1 }).waitFor();
  await visitor.page.getByRole('textbox', { name: /^Name/ }).fill('Ann Lee');
  await visitor.page.getByRole('textbox', { name: /^E-mail address/ }).fill('not-an-address');
  await visitor.page.getByRole('button', { name: 'Register' }).click();
  const email = visitor.page.getByRole('textbox', { name: /^E-mail address/ });
  await visitor.page.getByText('E-mail address: enter an address like name@example.org.').first().waitFor();
  assert.equal(await email.getAttribute('aria-invalid'), 'true');
  assert.match(await email.getAttribute('aria-describedby'), /email-error/);
  await email.fill('ann@example.org');
  await visitor.page.getByRole('button', { name: 'Register' }).click();
  await visitor.page.getByText('You are registered.').waitFor();

  // The confirmation mail carries the registration ID.
  const mail = await waitFor(() => readMails(sink.maildir).find((m) => m.to.includes('ann@example.org')) || null, { timeoutMs: 15000, what: 'the confirmation mail' });
  assert.equal(mail.subject, 'Registration confirmed: Product launch');
  const code = /Your registration ID: ([2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{3})/.exec(mail.text)?.[1];
  assert.ok(code, mail.text);

  // The moderator starts the live with herself on stage, camera on.
  const mod = await scene.browser('Olivia');
  await enterBackstage(mod.page, scene, moderator, { camera: true });
  const editor = mod.page.getByRole('region', { name: 'Stage', exact: true });
  await editor.getByRole('checkbox', { name: 'Olivia' }).check();
  await mod.page.getByRole('button', { name: 'Start the live' }).click();
  await mod.page.locator('.live-banner', { hasText: /^LIVE$/ }).waitFor({ timeout: 10000 });

  // In a fresh browser (no cookie), e-mail + ID: a wrong ID is refused on its field, then in.
  const later = await scene.browser('Ann on her laptop');
  await later.page.goto(session.url);
  await later.page.getByRole('textbox', { name: 'E-mail address' }).fill('ann@example.org');
  await later.page.getByRole('textbox', { name: 'Registration ID' }).fill('ZZZ-ZZZ-ZZZ');
  await later.page.getByRole('button', { name: 'Enter' }).click();
  await later.page.getByText('do not match an approved registration').waitFor();
  assert.equal(await later.page.getByRole('textbox', { name: 'Registration ID' }).getAttribute('aria-invalid'), 'true');
  await later.page.getByRole('textbox', { name: 'Registration ID' }).fill(code.toLowerCase());
  await later.page.getByRole('button', { name: 'Enter' }).click();
  await later.page.getByRole('heading', { name: 'Product launch', level: 1 }).waitFor();
  await later.page.locator('.stage-member', { hasText: 'Olivia' }).waitFor({ timeout: 15000 });
  const seen = await waitFor(async () => {
    const m = await stageMedia(later.page);
    return m.framesDecoded > 5 && m.videoWidths.some((w) => w > 0) ? m : null;
  }, { timeoutMs: 20000, intervalMs: 500, what: 'the registrant decodes the stage' });
  assert.equal(seen.outbound, 0, 'an attendee sends no media');
  const welcome = await later.page.evaluate(() => window.__received.find((m) => m.type === 'welcome'));
  assert.equal(welcome.role, 'attendee');
  assert.deepEqual(scene.errors, []);
});
