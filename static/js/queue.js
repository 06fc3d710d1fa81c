// Keyboard shortcuts for the review queue: j/k move between posts, a approves, c asks for changes, r rejects.
// The buttons work without it; asking for changes or rejecting still needs a comment (the server checks).
(() => {
  const rows = [...document.querySelectorAll("tr[data-queue-row]")];
  if (!rows.length) return;
  let current = 0;
  const select = (i, scroll = true) => {
    rows[current].classList.remove("is-current");
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows[current].classList.add("is-current");
    if (scroll) rows[current].scrollIntoView({ block: "nearest" });
  };
  select(0, false); // marked, not scrolled to: on a phone the first post is below the fold, the page stays at its top
  document.addEventListener("keydown", (event) => {
    const tag = (event.target.tagName || "").toLowerCase();
    if (tag === "textarea" || tag === "input" || tag === "select" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "j") select(current + 1);
    else if (event.key === "k") select(current - 1);
    else {
      const button = rows[current].querySelector(`button[data-key="${event.key}"]`);
      if (!button) return;
      event.preventDefault();
      const comment = rows[current].querySelector("textarea");
      if (event.key !== "a" && comment && !comment.value.trim()) {
        comment.focus();
        return;
      }
      button.click();
    }
  });
})();

// The expanded row's network preview, fetched the first time the row's "Preview" is opened.
document.querySelectorAll("details.queue-preview[data-preview-url]").forEach((details) => {
  details.addEventListener("toggle", () => {
    if (!details.open || details.dataset.loaded) return;
    details.dataset.loaded = "1";
    fetch(details.dataset.previewUrl, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => { if (html) details.querySelector("summary").insertAdjacentHTML("afterend", html); })
      .catch(() => {});
  });
});
