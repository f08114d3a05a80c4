/* Avtalskollen's own small behaviours, here rather than inline (Content-Security-Policy
   script-src 'self'): confirmation before destructive forms (data-confirm), a "back" link
   (data-history-back) and positions computed on the server (data-left, in percent). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-history-back]");
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
  function place() {
    document.querySelectorAll("[data-left]").forEach(function (el) {
      el.style.left = el.getAttribute("data-left") + "%";
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", place);
  } else {
    place();
  }
})();
