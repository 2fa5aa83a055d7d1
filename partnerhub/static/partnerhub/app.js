// Small behaviours that need no build step: closing overlays, focus, Escape.
(function () {
  function overlayRoot() { return document.getElementById("overlay"); }
  function closeOverlay() { var o = overlayRoot(); if (o) { o.innerHTML = ""; } }

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-overlay]");
    if (closer && overlayRoot() && overlayRoot().contains(closer)) {
      event.preventDefault();
      closeOverlay();
      return;
    }
    if (event.target.matches("[data-overlay]")) { closeOverlay(); }
  });
  // A select marked data-autosubmit sends its form when changed; a form marked data-confirm
  // asks its question first.
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]") && event.target.form) {
      event.target.form.requestSubmit();
    }
  });
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeOverlay(); }
  });
  // An in-page action that fails must say so: htmx swaps nothing on an error.
  function showError(text) {
    var flash = document.getElementById("flash");
    if (!flash) { return; }
    flash.innerHTML = "";
    var note = document.createElement("div");
    note.className = "notice notice-error";
    note.setAttribute("role", "alert");
    note.textContent = text;
    flash.appendChild(note);
  }
  document.addEventListener("htmx:responseError", function () {
    showError("That did not work: the server answered with an error. Reload the page and try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    showError("That did not work: the server could not be reached. Check your connection and try again.");
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "overlay") {
      var field = event.detail.target.querySelector("textarea, input:not([type=hidden]), button.btn-primary, button.btn-danger");
      if (field) { field.focus(); }
    }
  });
})();
