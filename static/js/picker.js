// Pickers by name (core/filterkit.py): a text input that shows a channel's, a person's... name becomes a
// combobox offering the matches of a server-side search as the person types; the form submits the picked id.
// Without this script the input submits what was typed and the server resolves the name (or says why not).
// Suggestions are rendered with textContent only: names are people's text.
(() => {
  const pickers = document.querySelectorAll("[data-picker]");
  if (!pickers.length) return;
  let serial = 0;

  const setup = (box) => {
    const input = box.querySelector("input:not([type=hidden])");
    const hidden = box.querySelector("input[data-picker-id]");
    if (!input || !hidden || !input.name) return;
    serial += 1;
    const listId = `${input.id || "picker"}-options-${serial}`;
    const list = document.createElement("ul");
    list.id = listId;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    // the words come from the page (socialgov/templates/widgets/picker.html), in the reader's language
    const say = box.dataset;
    list.setAttribute("aria-label", say.pickerListLabel || "Suggestions");
    list.hidden = true;
    const status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    box.append(list, status);

    // the hidden input carries the value from now on: the picked id, or the typed text for the server to resolve
    hidden.name = input.name;
    input.removeAttribute("name");
    if (!hidden.value) hidden.value = input.value;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");

    let options = [];
    let active = -1;
    let timer = 0;
    let asked = 0;

    const kindFrom = box.dataset.pickerKindFrom ? document.getElementById(box.dataset.pickerKindFrom) : null;
    const urls = box.dataset.pickerUrls ? JSON.parse(box.dataset.pickerUrls) : null;
    const url = () => (urls ? urls[kindFrom ? kindFrom.value : ""] || "" : box.dataset.pickerUrl);

    const close = () => {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    };
    const highlight = (i) => {
      options.forEach((li, j) => li.setAttribute("aria-selected", j === i ? "true" : "false"));
      active = i;
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      } else input.removeAttribute("aria-activedescendant");
    };
    const choose = (li) => {
      input.value = li.textContent;
      hidden.value = li.dataset.id;
      close();
    };
    const show = (results) => {
      list.replaceChildren();
      options = results.map((r, i) => {
        const li = document.createElement("li");
        li.id = `${listId}-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.id = String(r.id);
        li.textContent = r.label;
        li.addEventListener("mousedown", (event) => { event.preventDefault(); choose(li); });
        list.append(li);
        return li;
      });
      if (!options.length) {
        const li = document.createElement("li");
        li.className = "picker-empty";
        li.setAttribute("role", "option");
        li.setAttribute("aria-disabled", "true");
        li.textContent = say.pickerNone || "Nothing matches.";
        list.append(li);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      const n = options.length;
      const counted = n === 1 ? say.pickerOne : (say.pickerMany || "").replace("{count}", String(n));
      status.textContent = n ? counted : say.pickerNone || "Nothing matches.";
      active = -1;
    };
    const ask = () => {
      const text = input.value.trim();
      const target = url();
      if (!text || !target) { close(); return; }
      const mine = ++asked;
      fetch(`${target}?${new URLSearchParams({ q: text })}`, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : { results: [] }))
        .then((data) => { if (mine === asked && document.activeElement === input) show(data.results || []); })
        .catch(() => close());
    };

    input.addEventListener("input", () => {
      hidden.value = input.value; // typed, not picked: the server resolves it unless a suggestion is chosen
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
    input.addEventListener("keydown", (event) => {
      const open = !list.hidden && options.length;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (open) highlight((active + 1) % options.length);
        else ask();
      } else if (event.key === "ArrowUp") {
        if (!open) return;
        event.preventDefault();
        highlight(active <= 0 ? options.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) { event.preventDefault(); choose(options[active]); }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 100));
    if (kindFrom) kindFrom.addEventListener("change", () => { input.value = ""; hidden.value = ""; close(); });
  };

  pickers.forEach(setup);
})();
