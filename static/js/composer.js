// The composer's live character count against the chosen channel's platform limit.
// Progressive enhancement: the server shows the count on load and refuses what does not fit at submit.
(() => {
  const form = document.getElementById("composer");
  if (!form) return;
  const body = form.querySelector("textarea[name=body]");
  const counter = document.getElementById("body-count");
  const channel = form.querySelector("select[name=channel]");
  if (!body || !counter) return;
  const limits = {};
  (form.dataset.limits || "").split(",").forEach((pair) => {
    const [pk, limit] = pair.split(":");
    if (pk) limits[pk] = limit ? parseInt(limit, 10) : null;
  });
  const update = () => {
    const count = [...body.value.replace(/\r\n/g, "\n").trim()].length;
    const limit = channel ? limits[channel.value] : Object.values(limits)[0];
    // the page's own words, in the reader's language ("{count} / {limit} characters")
    const words = limit ? counter.dataset.withLimit : counter.dataset.withoutLimit;
    counter.textContent = (words || "{count}").replace("{count}", count).replace("{limit}", limit);
    counter.classList.toggle("over-limit", Boolean(limit) && count > limit);
  };
  body.addEventListener("input", update);
  if (channel) channel.addEventListener("change", update);
  update();
})();

// The network preview: the server renders approvals/_preview.html for the text being typed (one component
// for the composer, the post page and the queue), fetched after a pause; without JavaScript it shows on save.
(() => {
  const form = document.getElementById("composer");
  const target = document.getElementById("preview");
  if (!form || !target || !target.dataset.previewUrl) return;
  const token = form.querySelector("input[name=csrfmiddlewaretoken]");
  let timer = null;
  let seq = 0;
  const refresh = () => {
    const data = new FormData();
    for (const name of ["channel", "body", "links"]) {
      const field = form.elements.namedItem(name);
      if (field) data.append(name, field.value);
    }
    const mine = ++seq;
    fetch(target.dataset.previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" },
      body: data,
    })
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => { if (html !== null && mine === seq) target.innerHTML = html; })  // escaped by the server
      .catch(() => {});
  };
  const later = () => { clearTimeout(timer); timer = setTimeout(refresh, 400); };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
