// Back office: the "Copy link" buttons of the room list. The visible URL beside each button
// stays selectable for browsers without clipboard access.
const announce = (text) => {
  const region = document.getElementById('notices');
  if (!region) return;
  region.textContent = '';
  const p = document.createElement('p');
  p.className = 'notice';
  p.textContent = text;
  region.append(p);
};

document.addEventListener('click', async (event) => {
  const button = event.target.closest('button.copy-link');
  if (!button) return;
  try {
    await navigator.clipboard.writeText(button.dataset.url);
    announce(button.dataset.copied);
  } catch {
    announce(button.dataset.failed);
  }
});

// Forms that end something for other people (closing a room ends its meeting) ask first.
// Without JavaScript the form simply submits.
document.addEventListener('submit', (event) => {
  const form = event.target.closest('form[data-confirm]');
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
