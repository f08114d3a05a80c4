/* A progress bar for the import page's forms (CSP: no inline script).
 *
 * A form with the class js-upload-progress is sent with XMLHttpRequest instead of a plain
 * submit, so the upload's progress can be shown; once the file is up, the bar says the rows
 * are being checked (or imported) until the answer arrives, which then replaces the page.
 * Without JavaScript the forms work as ordinary forms.
 */
(function () {
  "use strict";

  function show(form) {
    var box = form.querySelector(".js-progress");
    if (box) {
      box.classList.remove("d-none");
    }
    return box;
  }

  function processing(box) {
    if (!box) {
      return;
    }
    var bar = box.querySelector("progress");
    var label = box.querySelector(".js-progress-label");
    if (bar) {
      bar.removeAttribute("value"); /* indeterminate */
      if (label && bar.dataset.processing) {
        label.textContent = bar.dataset.processing;
      }
    }
  }

  function replacePage(html, url) {
    document.open();
    document.write(html);
    document.close();
    if (url && window.history && window.history.replaceState) {
      window.history.replaceState(null, "", url);
    }
  }

  function send(event) {
    var form = event.target;
    if (!window.XMLHttpRequest || !window.FormData) {
      return; /* an ordinary submit */
    }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.disabled = true;
    }
    var box = show(form);
    var bar = box ? box.querySelector("progress") : null;
    var xhr = new XMLHttpRequest();
    xhr.open(form.method || "POST", form.action);
    if (xhr.upload && bar && bar.hasAttribute("value")) {
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round((e.loaded / e.total) * 100);
        }
      });
      xhr.upload.addEventListener("load", function () {
        processing(box);
      });
    } else {
      processing(box);
    }
    xhr.addEventListener("load", function () {
      replacePage(xhr.responseText, xhr.responseURL);
    });
    xhr.addEventListener("error", function () {
      if (button) {
        button.disabled = false;
      }
      form.submit(); /* let the browser try the ordinary way */
    });
    xhr.send(new FormData(form));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form.js-upload-progress");
    for (var i = 0; i < forms.length; i += 1) {
      forms[i].addEventListener("submit", send);
    }
  });
})();
