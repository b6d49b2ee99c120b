// Progressive enhancement only: every page works without this file.
// "Copy as markdown" links also open the markdown as text; with JS they copy it instead.
document.addEventListener("click", async (event) => {
  const link = event.target.closest("[data-copy]");
  if (!link || !navigator.clipboard) return;
  const source = document.querySelector(link.getAttribute("data-copy"));
  if (!source) return;
  event.preventDefault();
  try {
    await navigator.clipboard.writeText(source.value || source.textContent);
    const label = link.textContent;
    link.textContent = "Copied";
    setTimeout(() => { link.textContent = label; }, 1500);
  } catch (err) {
    window.location.href = link.href;
  }
});

// Character counters: a field whose data-counter names a counter shows how much of its
// limit is used, so a long text is never cut at the limit by surprise (the server refuses
// past the same limit). Without this file the counter still says the limit.
function countInto(field) {
  const out = document.getElementById(field.dataset.counter);
  const limit = Number(field.getAttribute("maxlength"));
  if (!out || !limit) return;
  const update = () => {
    const used = field.value.length;
    out.textContent = `${used.toLocaleString("en")} of ${limit.toLocaleString("en")} characters`
      + (used >= limit ? ": the limit; shorten it to add more" : "");
    out.classList.toggle("counter-near", used >= limit * 0.9);
  };
  field.addEventListener("input", update);
  update();
}
document.querySelectorAll("[data-counter]").forEach(countInto);
