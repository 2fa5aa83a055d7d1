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
  // Behaviours declared in the markup (the pages carry no inline script):
  // data-confirm on a form or a submit button asks first; data-autosubmit on a field submits its
  // form when it changes; data-select-on-click selects a read-only value (a new secret) to copy.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm], input[type=submit][data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    var field = event.target.closest("[data-select-on-click]");
    if (field && typeof field.select === "function") { field.select(); }
  }, true);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form[data-confirm]") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (!field || !field.form) { return; }
    if (typeof field.form.requestSubmit === "function") { field.form.requestSubmit(); } else { field.form.submit(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeOverlay(); closeDropdowns(null); }
  });
  // A dropdown (<details data-dropdown>, e.g. the notifications bell) closes when one clicks
  // anywhere outside it.
  function closeDropdowns(keep) {
    document.querySelectorAll("details[data-dropdown][open]").forEach(function (d) {
      if (d !== keep) { d.removeAttribute("open"); }
    });
  }
  document.addEventListener("click", function (event) {
    closeDropdowns(event.target.closest("details[data-dropdown]"));
  });
  // The side menu folds behind a Menu button on narrow screens (the CSS decides when);
  // without scripts the button stays hidden and the menu stays open.
  function setMenu(nav, open) {
    var button = nav.querySelector("[data-menu-toggle]");
    if (open) { nav.removeAttribute("data-menu-collapsed"); } else { nav.setAttribute("data-menu-collapsed", ""); }
    if (button) { button.setAttribute("aria-expanded", open ? "true" : "false"); }
  }
  document.querySelectorAll("[data-menu]").forEach(function (nav) {
    var button = nav.querySelector("[data-menu-toggle]");
    if (!button) { return; }
    button.hidden = false;
    setMenu(nav, false);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-menu-toggle]");
    if (!button) { return; }
    var nav = button.closest("[data-menu]");
    setMenu(nav, nav.hasAttribute("data-menu-collapsed"));
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
  // Fields with a limit (data-maxlength) show how much of it is used before it is hit:
  // "12 / 1000 characters" under the field, announced politely to screen readers.
  function counterFor(field) {
    var id = (field.id || field.name) + "-count";
    var counter = document.getElementById(id);
    if (!counter) {
      counter = document.createElement("p");
      counter.id = id;
      counter.className = "char-count small muted";
      counter.setAttribute("aria-live", "polite");
      field.insertAdjacentElement("afterend", counter);
      var described = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", described ? described + " " + id : id);
    }
    return counter;
  }
  function updateCounter(field) {
    var limit = parseInt(field.getAttribute("data-maxlength"), 10);
    if (!limit) { return; }
    var used = field.value.length;
    var counter = counterFor(field);
    counter.textContent = used + " / " + limit + " characters";
    counter.classList.toggle("char-count-near", used >= limit * 0.9 && used <= limit);
    counter.classList.toggle("char-count-over", used > limit);
  }
  function initCounters(root) {
    var fields = (root || document).querySelectorAll("[data-maxlength]");
    for (var i = 0; i < fields.length; i++) { updateCounter(fields[i]); }
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-maxlength]")) { updateCounter(event.target); }
  });
  document.addEventListener("DOMContentLoaded", function () { initCounters(document); });
  document.addEventListener("htmx:afterSwap", function (event) { initCounters(event.detail.target); });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "overlay") {
      var field = event.detail.target.querySelector("textarea, input:not([type=hidden]), button.btn-primary, button.btn-danger");
      if (field) { field.focus(); }
    }
  });
})();
// A request form shows the disclaimer of the level chosen (data-level-text), the others hidden.
(function () {
  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (!radio.matches || !radio.matches("input[type=radio][name=level]")) { return; }
    var scope = radio.closest(".overlay-card, .card, form") || document;
    var root = scope.parentNode || document;
    root.querySelectorAll("[data-level-text]").forEach(function (text) {
      text.hidden = text.getAttribute("data-level-text") !== radio.value;
    });
  });
})();
// The selection bar of a list ([data-selection] form): row checkboxes (form="<its id>"), a
// select-all box for the page, and "all N matching this filter". The bar shows once something
// is selected and says how much.
(function () {
  function boxes(form) {
    return Array.prototype.slice.call(document.querySelectorAll("input[type=checkbox][name=account][form='" + form.id + "']"));
  }
  function refresh(form) {
    var all = boxes(form);
    var ticked = all.filter(function (b) { return b.checked; });
    var matching = form.querySelector("input[name=all_matching]");
    var page = document.querySelector("input[data-select-page='" + form.id + "']");
    var total = parseInt(form.getAttribute("data-total"), 10) || 0;
    var pageAll = all.length > 0 && ticked.length === all.length;
    if (page) {
      page.checked = pageAll;
      page.indeterminate = ticked.length > 0 && !pageAll;
    }
    var offer = form.querySelector("[data-all-matching]");
    if (offer) { offer.hidden = !(pageAll && total > all.length); }
    if (matching && !pageAll) { matching.checked = false; }
    var bar = form.querySelector("[data-selection-bar]");
    var count = form.querySelector("[data-selection-count]");
    var chosen = matching && matching.checked ? total : ticked.length;
    if (count) { count.textContent = chosen + (chosen === 1 ? " account selected" : " accounts selected"); }
    if (bar) { bar.hidden = chosen === 0; }
    form.querySelectorAll("[data-selection-action]").forEach(function (b) {
      b.disabled = chosen === 0;
    });
  }
  function formOf(el) {
    var id = el.getAttribute("form") || el.getAttribute("data-select-page");
    return id ? document.getElementById(id) : el.closest("form[data-selection]");
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.matches) { return; }
    if (el.matches("input[data-select-page]")) {
      var form = formOf(el);
      boxes(form).forEach(function (b) { b.checked = el.checked; });
      refresh(form);
    } else if (el.matches("input[type=checkbox][name=account][form], form[data-selection] input[name=all_matching]")) {
      refresh(formOf(el));
    }
  });
  function init() { document.querySelectorAll("form[data-selection]").forEach(refresh); }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
