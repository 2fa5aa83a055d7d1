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
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeOverlay(); }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "overlay") {
      var field = event.detail.target.querySelector("textarea, input:not([type=hidden]), button.btn-primary, button.btn-danger");
      if (field) { field.focus(); }
    }
  });
})();
