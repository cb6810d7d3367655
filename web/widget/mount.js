/* Runs last: puts the widget on the page and exposes window.Lectern. */
// Back from a password-reset mail, or a sign-in that left the page (a provider's): the panel
// opens at once.
const mount = () => (D.body.append(host), (RESET || OTT || BACK) && open());
D.body ? mount() : D.addEventListener("DOMContentLoaded", mount);
window.Lectern = Object.freeze({
  open,
  close: () => close(D.activeElement === host),
  toggle: () => (S.open ? close(D.activeElement === host) : open()),
});
