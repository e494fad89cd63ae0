// Status changes for screen readers: one polite live region, and a visible banner for states
// that last (reconnecting).

let region = null;

/** Creates the live region inside `root` (once). */
export function setupAnnouncer(root) {
  if (region) return region;
  region = document.createElement('div');
  region.className = 'sr-only';
  region.setAttribute('role', 'status');
  region.setAttribute('aria-live', 'polite');
  region.setAttribute('aria-atomic', 'true');
  region.id = 'room-announcer';
  root.append(region);
  return region;
}

/** Announces a message; the same text twice in a row is still read again. */
export function announce(text) {
  if (!region) return;
  region.textContent = '';
  // A tick between clearing and setting makes screen readers notice a repeated message.
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}
