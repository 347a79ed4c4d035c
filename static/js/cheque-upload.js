// Cheque upload: each file is sent on its own with a progress bar; the server answers JSON per cheque.
// Without this script the form posts all files at once and the page lists what happened.
(function () {
  "use strict";
  const form = document.getElementById("cheque-upload");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  const input = form.querySelector("input[name=front]");
  const list = document.getElementById("upload-progress");
  const zone = document.getElementById("drop-zone");
  let dropped = null;

  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("bg-light"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("bg-light"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("bg-light");
    dropped = Array.from(e.dataTransfer.files);
    zone.textContent = dropped.length + " file(s) ready: " + dropped.map((f) => f.name).join(", ");
  });

  function row(file) {
    const li = document.createElement("li");
    li.className = "mb-2";
    li.innerHTML = '<div class="small"><span class="name"></span> <span class="state text-muted">waiting</span></div>' +
      '<div class="progress" role="progressbar" aria-label="Upload progress"><div class="progress-bar" style="width: 0%"></div></div>';
    li.querySelector(".name").textContent = file.name;
    list.appendChild(li);
    return li;
  }

  function send(file, li) {
    return new Promise((resolve) => {
      const data = new FormData(form);
      data.delete("front");
      data.append("front", file);
      const xhr = new XMLHttpRequest();
      const bar = li.querySelector(".progress-bar");
      const state = li.querySelector(".state");
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) bar.style.width = Math.round((e.loaded / e.total) * 100) + "%";
      };
      xhr.onload = () => {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
        bar.style.width = "100%";
        if (xhr.status === 201) {
          bar.classList.add("bg-success");
          state.innerHTML = '<a href="' + body.url + '">cheque #' + body.id + "</a>: " + body.status;
        } else {
          bar.classList.add("bg-danger");
          const errors = body.errors || {};
          state.textContent = Object.values(errors).flat().join(" ") || "Refused (" + xhr.status + ")";
          state.classList.replace("text-muted", "text-danger");
        }
        resolve();
      };
      xhr.onerror = () => { bar.classList.add("bg-danger"); state.textContent = "Network error"; resolve(); };
      xhr.send(data);
    });
  }

  form.addEventListener("submit", async (e) => {
    const files = dropped || Array.from(input.files);
    if (!files.length) return; // let the server say a file is required
    e.preventDefault();
    list.innerHTML = "";
    const back = form.querySelector("input[name=back]");
    const amount = form.querySelector("input[name=declared_amount]");
    if (files.length > 1 && ((back && back.files.length) || (amount && amount.value))) {
      const li = document.createElement("li");
      li.className = "text-danger";
      li.textContent = "A back image and a declared amount go with a single cheque.";
      list.appendChild(li);
      return;
    }
    for (const file of files) {
      await send(file, row(file));
    }
  });
})();
