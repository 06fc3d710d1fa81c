// Live content check for the post composer (progressive enhancement: submit checks again on the server).
//
// Markup: <textarea data-content-check="#findings" data-channel-field="channel"
//                   data-sponsored-field="sponsored"></textarea>  <div id="findings" aria-live="polite"></div>
// inside a form that carries {% csrf_token %}. Findings are written with textContent, never as HTML.
(() => {
  const URL = "/api/v1/content-check/";
  const WAIT_MS = 400;

  function render(output, body) {
    output.replaceChildren();
    if (!body.findings.length) {
      const ok = document.createElement("p");
      ok.className = "muted";
      ok.textContent = "No content rule applies to this text.";
      output.append(ok);
      return;
    }
    const list = document.createElement("ul");
    for (const finding of body.findings) {
      const item = document.createElement("li");
      const badge = document.createElement("span");
      badge.className = finding.severity === "block" ? "badge badge-danger" : finding.severity === "warn" ? "badge badge-warn" : "badge badge-info";
      badge.textContent = finding.severity;
      item.append(badge, " ", finding.message);
      if (finding.excerpt) {
        const quote = document.createElement("q");
        quote.textContent = finding.excerpt;
        item.append(" ", quote);
      }
      list.append(item);
    }
    output.append(list);
  }

  function attach(textarea) {
    const form = textarea.form;
    const output = document.querySelector(textarea.dataset.contentCheck);
    if (!form || !output) return;
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    let timer = null;
    let seq = 0;
    const field = (name) => (name ? form.elements.namedItem(name) : null);
    const check = () => {
      const channel = field(textarea.dataset.channelField);
      const sponsored = field(textarea.dataset.sponsoredField);
      const payload = { text: textarea.value, sponsored: Boolean(sponsored && sponsored.checked) };
      if (channel && channel.value) payload.channel = Number(channel.value);
      const mine = ++seq;
      fetch(URL, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
        body: JSON.stringify(payload),
      })
        .then((response) => (response.ok ? response.json() : null))
        .then((body) => { if (body && mine === seq) render(output, body); })
        .catch(() => {});
    };
    const later = () => { clearTimeout(timer); timer = setTimeout(check, WAIT_MS); };
    textarea.addEventListener("input", later);
    form.addEventListener("change", later);
  }

  document.querySelectorAll("textarea[data-content-check]").forEach(attach);
})();
