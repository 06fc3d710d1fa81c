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
    counter.textContent = limit ? `${count} / ${limit} characters` : `${count} characters`;
    counter.classList.toggle("over-limit", Boolean(limit) && count > limit);
  };
  body.addEventListener("input", update);
  if (channel) channel.addEventListener("change", update);
  update();
})();
