/* Deposit form (no dependencies, ES2020): show only the fields of the chosen kind, and
 * upload with a progress bar, then follow the server's answer. Without JavaScript the form
 * works as a plain multipart POST: every field is visible and labelled with its kind. */
(() => {
  "use strict";

  const strings = {};
  const template = document.getElementById("deposit-strings");
  if (template) {
    template.content.querySelectorAll("[data-key]").forEach((el) => {
      strings[el.dataset.key] = el.textContent.trim();
    });
  }

  function syncKind(form) {
    const kind = form.elements.kind ? form.elements.kind.value : "";
    form.querySelectorAll("[data-kinds]").forEach((group) => {
      group.hidden = !group.dataset.kinds.split(" ").includes(kind);
    });
    form.querySelectorAll(".kinds-note").forEach((note) => { note.hidden = true; });
  }

  // Replace the form area with the server's page (form errors, the 413 page) and set it up.
  function showPage(html) {
    const page = new DOMParser().parseFromString(html, "text/html");
    const main = document.getElementById("main");
    const next = page.getElementById("main");
    if (main && next) {
      main.replaceChildren(...next.childNodes);
      window.scrollTo(0, 0);
      setUp();
    } else {
      document.documentElement.innerHTML = page.documentElement.innerHTML;
    }
  }

  function setUp() {
    const form = document.getElementById("deposit-form");
    if (!form) { return; }
    const kind = form.elements.kind;
    if (kind) {
      kind.addEventListener("change", () => syncKind(form));
      syncKind(form);
    }
    const progress = document.getElementById("upload-progress");
    const bar = progress ? progress.querySelector(".progress-bar") : null;
    const meter = progress ? progress.querySelector(".progress") : null;
    const status = document.getElementById("upload-status");
    const submit = document.getElementById("deposit-submit");
    const fileInput = form.elements.file;
    const maxBytes = Number(form.dataset.maxBytes || 0);

    form.addEventListener("submit", (event) => {
      const file = fileInput && fileInput.files.length ? fileInput.files[0] : null;
      const fileHidden = Boolean(fileInput && fileInput.closest("[data-kinds]").hidden);
      // A file chosen before switching to text evidence is not sent at all.
      if (fileInput) { fileInput.disabled = fileHidden; }
      const withFile = file && !fileHidden;
      if (!withFile || !window.XMLHttpRequest || !progress) { return; } // plain POST
      event.preventDefault();
      if (maxBytes && file.size > maxBytes) {
        status.textContent = strings.tooLarge || "";
        progress.hidden = false;
        return;
      }
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", (e) => {
        if (!e.lengthComputable) { return; }
        const percent = Math.floor((e.loaded / e.total) * 100);
        bar.style.width = percent + "%";
        meter.setAttribute("aria-valuenow", String(percent));
        status.textContent = `${strings.uploading || ""} ${percent}%`;
      });
      xhr.upload.addEventListener("load", () => {
        status.textContent = strings.hashing || "";
      });
      xhr.addEventListener("load", () => {
        const target = xhr.getResponseHeader("X-Redirect");
        if (target) {
          window.location.assign(target);
        } else {
          showPage(xhr.responseText);
        }
      });
      xhr.addEventListener("error", () => {
        status.textContent = strings.failed || "";
        submit.disabled = false;
      });
      submit.disabled = true;
      progress.hidden = false;
      xhr.send(new FormData(form));
    });
  }

  setUp();
  // Coming back to the page from the browser's cache: the file input must work again.
  window.addEventListener("pageshow", () => {
    const input = document.querySelector("#deposit-form input[type=file]");
    if (input) { input.disabled = false; }
  });
})();
