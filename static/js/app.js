// Progressive enhancement only: every page works without it.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.textContent.trim()).then(() => { button.textContent = "Copied"; });
  }
});
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
// A table wider than the screen scrolls inside its own box (socialgov.css): such a box must take the keyboard's
// focus, or people without a pointer cannot scroll it (WCAG 2.1.1). Only the tables that scroll become tab stops.
function focusableScrollingTables() {
  for (const table of document.querySelectorAll(".table")) {
    const scrolls = table.scrollWidth > table.clientWidth || table.scrollHeight > table.clientHeight;
    if (scrolls) table.setAttribute("tabindex", "0");
    else if (table.getAttribute("tabindex") === "0") table.removeAttribute("tabindex");
  }
}
focusableScrollingTables();
window.addEventListener("resize", focusableScrollingTables);
window.addEventListener("load", focusableScrollingTables);
if (window.ResizeObserver) {
  const watch = new ResizeObserver(focusableScrollingTables);
  for (const table of document.querySelectorAll(".table")) watch.observe(table);
}
