/* Runs last: puts the widget on the page and exposes window.Lectern. */
const mount = () => D.body.append(host);
D.body ? mount() : D.addEventListener("DOMContentLoaded", mount);
window.Lectern = Object.freeze({
  open,
  close: () => close(D.activeElement === host),
  toggle: () => (S.open ? close(D.activeElement === host) : open()),
});
