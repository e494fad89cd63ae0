// Strings of the room page in the page's language (French or English), switchable at any time.
// Elements carry data-i18n (text), data-i18n-label (aria-label and title) or
// data-i18n-placeholder with a key, and data-i18n-args with JSON arguments; translatePage()
// refreshes them all after a switch.

import { h } from './dom.js';

export const LANGUAGES = ['en', 'fr'];
const STORAGE_KEY = 'amphi.lang';

let strings = {};
let current = 'en';
const listeners = new Set();
// Locale files loaded besides room.json (a webinar page adds 'webinar' and 'content').
const bundles = new Set();

/** Adds locale files (web/locales/<lang>/<name>.json) to load with room.json from now on. */
export function addBundles(...names) {
  for (const n of names) bundles.add(n);
}

/** Chooses the language: the user's own choice, then the page's data-lang, then the browser's. */
export function pickLanguage(pageLang) {
  const saved = safeGet(STORAGE_KEY);
  if (LANGUAGES.includes(saved)) return saved;
  if (LANGUAGES.includes(pageLang)) return pageLang;
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const base = String(l).slice(0, 2).toLowerCase();
    if (LANGUAGES.includes(base)) return base;
  }
  return 'en';
}

/** Loads a language's strings and applies them to the page. */
export async function setLanguage(lang, { remember = false } = {}) {
  if (!LANGUAGES.includes(lang)) lang = 'en';
  const res = await fetch(`/static/locales/${lang}/room.json`);
  if (!res.ok) throw new Error(`locale ${lang}: HTTP ${res.status}`);
  const loaded = await res.json();
  for (const name of bundles) {
    const more = await fetch(`/static/locales/${lang}/${name}.json`);
    // A missing extra file shows its keys as themselves rather than no page at all.
    if (more.ok) Object.assign(loaded, await more.json());
    else console.warn(`amphi: locale ${lang}/${name}: HTTP ${more.status}`);
  }
  strings = loaded;
  current = lang;
  document.documentElement.lang = lang;
  if (remember) safeSet(STORAGE_KEY, lang);
  translatePage(document);
  for (const fn of listeners) fn(lang);
}

/** The header's language menu (named for screen readers); a choice is remembered. */
export function languageSelect() {
  const select = h('select', { class: 'language-select', id: 'language-select' },
    ...LANGUAGES.map((l) => h('option', { value: l, selected: l === current }, l === 'fr' ? 'Français' : 'English')));
  bind(select, { label: 'language' });
  select.addEventListener('change', () => setLanguage(select.value, { remember: true }));
  return select;
}

export function language() {
  return current;
}

/** Calls `fn(lang)` after each language switch (for text built in code). */
export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Translates a key, replacing {name} placeholders with `args`. Unknown keys show as themselves. */
export function t(key, args = {}) {
  const s = strings[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in args ? String(args[k]) : m));
}

/** Marks an element's text, label or placeholder as translated, and fills it now. */
export function bind(el, { text, label, placeholder, args } = {}) {
  if (text) el.dataset.i18n = text;
  if (label) el.dataset.i18nLabel = label;
  if (placeholder) el.dataset.i18nPlaceholder = placeholder;
  if (args) el.dataset.i18nArgs = JSON.stringify(args);
  else delete el.dataset.i18nArgs;
  translateElement(el);
  return el;
}

export function translatePage(root) {
  for (const el of root.querySelectorAll('[data-i18n],[data-i18n-label],[data-i18n-placeholder]')) translateElement(el);
}

function translateElement(el) {
  let args = {};
  if (el.dataset.i18nArgs) {
    try {
      args = JSON.parse(el.dataset.i18nArgs);
    } catch {
      args = {};
    }
  }
  if (el.dataset.i18n) el.textContent = t(el.dataset.i18n, args);
  if (el.dataset.i18nLabel) {
    const label = t(el.dataset.i18nLabel, args);
    el.setAttribute('aria-label', label);
    el.title = label;
  }
  if (el.dataset.i18nPlaceholder) el.placeholder = t(el.dataset.i18nPlaceholder, args);
}

function safeGet(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function safeSet(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}
