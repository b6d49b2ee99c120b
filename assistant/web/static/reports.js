// Progressive enhancement for the report upload: a progress bar while large files go up.
// Without JavaScript the form posts as usual; with it, the same POST goes through
// XMLHttpRequest (for its upload progress) and the answer replaces the page.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("report-upload");
  const bar = document.getElementById("report-progress");
  if (!form || !bar || !window.XMLHttpRequest) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    bar.hidden = false;
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    });
    xhr.addEventListener("load", () => {
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", () => { form.submit(); });
    form.querySelector("button[type=submit]").disabled = true;
    xhr.send(new FormData(form));
  });
});
