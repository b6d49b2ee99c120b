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
