// What the attendee page shows when the session's socket is refused with `registration_required`
// (issue 6): the page was open before the organisers required registration, or the person's
// registration was cancelled or rejected while they watched, and a reconnection is now refused.
// It says why, then takes the person to the session's page, where the server shows its gate
// (e-mail + registration ID, and the way to the registration form: registration/gate_pages.rs).
// The move is announced and can be stopped ("Stay on this page"): nobody is moved without being
// told, and someone who needs longer to read keeps the page. A page that was already sent to
// the gate less than a minute ago does not go again by itself (no reload loop if the page and
// the socket ever disagree): it shows the links only.

import { h } from '../room/dom.js';
import { bind, t } from '../room/i18n.js';

/** Seconds before the page goes to the gate by itself. */
export const GATE_DELAY_S = 6;
const RECENT_MS = 60_000;
const STORAGE_KEY = 'amphi.gate_redirect';

/** Where the gate is: the session's own page (the server shows the gate there). */
export function gateUrl(slug) {
  return `/s/${encodeURIComponent(slug)}`;
}

/** The public registration form of the session. */
export function registerUrl(slug) {
  return `/s/${encodeURIComponent(slug)}/register`;
}

/** Whether this page sent the person to the gate of `slug` less than a minute before `now`. */
export function sentRecently(storage, slug, now) {
  try {
    const saved = JSON.parse(storage?.getItem(STORAGE_KEY) || 'null');
    return !!saved && saved.slug === slug && now - saved.at >= 0 && now - saved.at < RECENT_MS;
  } catch {
    return false; // storage refused or garbled: behave as if never sent
  }
}

function remember(storage, slug, now) {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify({ slug, at: now }));
  } catch {
    /* storage refused: the loop guard is lost, the page still works */
  }
}

/**
 * Builds the section shown in the page's body and starts the countdown. `go(url)` navigates
 * (location.assign; a test or another page may pass its own). Returns {el, message, cancel}:
 * `message` is the sentence to announce.
 */
export function registrationGate({ slug, title, go = (url) => window.location.assign(url), storage = globalThis.sessionStorage, now = Date.now() }) {
  const heading = h('h1', { id: 'attendee-title' }, title);
  const stateText = bind(h('p', { class: 'attendee-state-text' }), { text: 'registration_required' });
  const why = bind(h('p', { class: 'attendee-detail' }), { text: 'registration_required_detail' });
  const toGate = bind(h('a', { class: 'primary-button gate-link', href: gateUrl(slug) }), { text: 'registration_enter' });
  const toForm = bind(h('a', { class: 'gate-register-link', href: registerUrl(slug) }), { text: 'registration_register' });
  const countdown = h('p', { class: 'gate-countdown', 'aria-live': 'off' });
  const stay = bind(h('button', { type: 'button', class: 'small-button gate-stay' }), { text: 'registration_stay' });
  const links = h('p', { class: 'gate-links' }, toGate, ' ', toForm);
  const el = h('section', { class: 'attendee-waiting attendee-gone attendee-registration', 'aria-labelledby': 'attendee-title' },
    heading, stateText, why, links, countdown, stay);

  let left = GATE_DELAY_S;
  let timer = null;
  const cancel = () => {
    clearInterval(timer);
    timer = null;
    countdown.hidden = true;
    stay.hidden = true;
  };
  stay.addEventListener('click', () => {
    cancel();
    toGate.focus();
  });
  const auto = !sentRecently(storage, slug, now);
  if (auto) {
    const show = () => bind(countdown, { text: 'registration_going', args: { seconds: left } });
    show();
    timer = setInterval(() => {
      left -= 1;
      if (left > 0) return show();
      cancel();
      remember(storage, slug, Date.now());
      go(gateUrl(slug));
    }, 1000);
  } else {
    cancel();
  }
  const message = `${t('registration_required')}. ${t('registration_required_detail')}${auto ? ` ${t('registration_going', { seconds: GATE_DELAY_S })}` : ''}`;
  return { el, message, cancel, auto };
}
