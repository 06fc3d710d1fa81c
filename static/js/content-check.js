// Live content check for the post composer (progressive enhancement: submit checks again on the server).
//
// Markup: <textarea data-content-check="#findings" data-marked="#findings-marked" data-channel-field="channel"
//                   data-sponsored-field="sponsored" data-links-field="links"></textarea>
//         <div id="findings" aria-live="polite"></div> <div id="findings-marked" hidden></div>
// On the findings element, in the page's language: data-empty-text (what to say when no rule applies) and
// data-severity-block, -warn, -route (the words on the badges).
// inside a form that carries {% csrf_token %}. Each finding shows its rule, its message, what matched and what to
// do; the marked copy shows the text with every place a rule matched in <mark>. Everything is written with
// textContent, never as HTML. The places are code points of the text's NFKC form, as the server checks it.
(() => {
  const URL = "/api/v1/content-check/";
  const WAIT_MS = 400;
  const BADGES = { block: "badge badge-danger", warn: "badge badge-warn" };

  function renderFindings(output, findings) {
    output.replaceChildren();
    if (!findings.length) {
      const ok = document.createElement("p");
      ok.className = "muted";
      ok.textContent = output.dataset.emptyText || "No content rule applies to this text.";
      output.append(ok);
      return;
    }
    const list = document.createElement("ul");
    list.className = "findings";
    for (const finding of findings) {
      const item = document.createElement("li");
      const badge = document.createElement("span");
      badge.className = BADGES[finding.severity] || "badge badge-info";
      const word = "severity" + finding.severity.charAt(0).toUpperCase() + finding.severity.slice(1);
      badge.textContent = output.dataset[word] || finding.severity;
      item.append(badge, " ");
      if (finding.rule) {
        const rule = document.createElement("strong");
        rule.textContent = finding.rule;
        item.append(rule, ": ");
      }
      item.append(finding.message);
      if (finding.excerpt) {
        const quote = document.createElement("q");
        quote.textContent = finding.excerpt;
        item.append(" — ", quote);
      }
      if (finding.advice) {
        const advice = document.createElement("span");
        advice.className = "muted";
        advice.textContent = finding.advice;
        item.append(" ", advice);
      }
      list.append(item);
    }
    output.append(list);
  }

  // The checked text with its matched places in <mark>: places are code points, so split by code point.
  function renderMarked(output, text, findings) {
    output.replaceChildren();
    const chars = Array.from(text.normalize("NFKC"));
    const places = findings
      .flatMap((f) => (f.spans || []).map(([start, end]) => ({ start, end, severity: f.severity })))
      .sort((a, b) => a.start - b.start || a.end - b.end);
    output.hidden = !places.length;
    let at = 0;
    for (const place of places) {
      const start = Math.max(place.start, at);
      if (start >= place.end || place.end > chars.length) continue;
      output.append(chars.slice(at, start).join(""));
      const mark = document.createElement("mark");
      mark.className = `finding-${place.severity}`;
      mark.textContent = chars.slice(start, place.end).join("");
      output.append(mark);
      at = place.end;
    }
    output.append(chars.slice(at).join(""));
  }

  function attach(textarea) {
    const form = textarea.form;
    const output = document.querySelector(textarea.dataset.contentCheck);
    const marked = textarea.dataset.marked ? document.querySelector(textarea.dataset.marked) : null;
    if (!form || !output) return;
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    let timer = null;
    let seq = 0;
    const field = (name) => (name ? form.elements.namedItem(name) : null);
    const check = () => {
      const channel = field(textarea.dataset.channelField);
      const sponsored = field(textarea.dataset.sponsoredField);
      const links = field(textarea.dataset.linksField);
      const text = textarea.value;
      const payload = { text, sponsored: Boolean(sponsored && sponsored.checked) };
      if (channel && channel.value) payload.channel = Number(channel.value);
      if (links && links.value.trim()) payload.links = links.value.split("\n").map((l) => l.trim()).filter(Boolean);
      const mine = ++seq;
      fetch(URL, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
        body: JSON.stringify(payload),
      })
        .then((response) => (response.ok ? response.json() : null))
        .then((body) => {
          if (!body || mine !== seq) return;
          renderFindings(output, body.findings);
          if (marked) renderMarked(marked, text, body.findings);
        })
        .catch(() => {});
    };
    const later = () => { clearTimeout(timer); timer = setTimeout(check, WAIT_MS); };
    textarea.addEventListener("input", later);
    form.addEventListener("change", later);
    if (textarea.value.trim()) later(); // an edited post, or a form sent back: check what is there
  }

  document.querySelectorAll("textarea[data-content-check]").forEach(attach);
})();
