// csirtnet: adding evidence with a progress bar. Without this file the form posts as it is.
//
// A digital item with a file: the typed record is checked first (the page comes back with each
// error at its field, nothing sent yet); then one multipart request streams the record as a
// `metadata` JSON part FIRST and the file after it, with the upload's percentage and speed shown.
(function () {
  "use strict";

  function chosenKind(form) {
    var checked = form.querySelector("input[name=kind]:checked");
    return checked ? checked.value : "digital";
  }

  function showKind(form) {
    var kind = chosenKind(form);
    Array.prototype.forEach.call(form.querySelectorAll("fieldset[data-kind]"), function (set) {
      set.hidden = set.getAttribute("data-kind") !== kind;
    });
  }

  function csrf(form) {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function megabytesPerSecond(bytes, started) {
    var seconds = (Date.now() - started) / 1000;
    return seconds > 0 ? (bytes / 1e6 / seconds).toFixed(1) + " MB/s" : "";
  }

  // The page with the record's errors, in place of this one (the script binds its form again).
  function replacePage(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    document.title = doc.title;
    document.body.replaceWith(doc.body);
    init();
    var summary = document.querySelector("[data-autofocus]");
    if (summary) summary.focus();
  }

  // An upload refused after the record was accepted (a stated hash that differs, a full disk):
  // each message beside its field and in a focused summary.
  function showErrors(form, errors) {
    var box = document.querySelector("[data-testid=upload-errors]");
    var list = document.createElement("ul");
    errors.forEach(function (error) {
      var item = document.createElement("li");
      var control = error.field ? document.getElementById(error.field) : null;
      if (control) {
        var link = document.createElement("a");
        link.href = "#" + error.field;
        link.textContent = error.message;
        item.appendChild(link);
        control.setAttribute("aria-invalid", "true");
        var note = document.createElement("small");
        note.className = "error";
        note.id = error.field + "-e";
        note.textContent = error.message;
        control.parentNode.appendChild(note);
        control.parentNode.classList.add("has-error");
      } else {
        item.textContent = error.message;
      }
      list.appendChild(item);
    });
    box.replaceChildren(list);
    box.hidden = false;
    box.focus();
  }

  function upload(form, metadata, file) {
    var progress = form.querySelector("[data-testid=upload-progress]");
    var bar = progress.querySelector("progress");
    var percent = progress.querySelector("[data-testid=upload-percent]");
    var speed = progress.querySelector("[data-testid=upload-speed]");
    var state = progress.querySelector("[data-testid=upload-state]");
    var button = form.querySelector("button[type=submit]");
    var started = Date.now();
    progress.hidden = false;
    button.disabled = true;
    state.textContent = state.getAttribute("data-sending");

    var body = new FormData();
    body.append("metadata", JSON.stringify(metadata)); // first: the server checks it before the file
    body.append("file", file, file.name);

    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-CSRF-Token", csrf(form));
    xhr.setRequestHeader("X-Evidence-Upload", "stream");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) return;
      var share = Math.floor((event.loaded / event.total) * 100);
      bar.value = share;
      percent.textContent = share + "%";
      speed.textContent = megabytesPerSecond(event.loaded, started);
    });
    xhr.upload.addEventListener("load", function () {
      bar.value = 100;
      percent.textContent = "100%";
      state.textContent = state.getAttribute("data-hashing");
    });
    xhr.addEventListener("load", function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      if (xhr.status === 200 && answer && answer.location) {
        // Let the reader see the finished bar, then open the registered item.
        setTimeout(function () { window.location.assign(answer.location); }, 700);
        return;
      }
      button.disabled = false;
      state.textContent = state.getAttribute("data-failed");
      if (answer && answer.errors) showErrors(form, answer.errors);
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      state.textContent = state.getAttribute("data-failed");
    });
    xhr.send(body);
  }

  function onSubmit(event) {
    var form = event.currentTarget;
    var input = form.querySelector("input[type=file][name=file]");
    var file = input && input.files && input.files[0];
    // A physical item, or no file chosen: the plain form (the server names what is missing).
    if (chosenKind(form) !== "digital" || !file) return;
    event.preventDefault();
    var record = new FormData(form);
    record.delete("file");
    fetch(form.getAttribute("data-check"), {
      method: "POST",
      body: record,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf(form) }
    })
      .then(function (response) {
        if (response.status === 200) {
          return response.json().then(function (data) { upload(form, data.metadata, file); });
        }
        return response.text().then(replacePage);
      })
      .catch(function () { form.submit(); });
  }

  function init() {
    var form = document.querySelector("form[data-evidence-upload]");
    if (!form) return;
    showKind(form);
    Array.prototype.forEach.call(form.querySelectorAll("input[name=kind]"), function (radio) {
      radio.addEventListener("change", function () { showKind(form); });
    });
    form.addEventListener("submit", onSubmit);
  }

  init();
})();
