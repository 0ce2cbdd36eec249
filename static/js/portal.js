/* Behaviour every page may use, declared in the markup with data attributes, so that
 * no page needs an inline script or an on...="" handler (the Content-Security-Policy
 * allows scripts only from the portal's own static files):
 *
 *   data-autosubmit        a <select> whose form is sent as soon as it changes
 *   data-print             a button that opens the print dialog
 *   data-back              a button (hidden until this script shows it) that goes back
 *   data-check-all="true"  a button that ticks (or "false": unticks) every checkbox
 *     data-check-target    inside the element this selector names
 *   data-logout            the log-out form: the browser-kept drafts go with the session
 */
(function () {
  "use strict";

  // The sentiment-log filing form keeps its draft under this prefix (static/js/sentiment.js).
  var DRAFT_PREFIXES = ["sentiment-log-draft:"];

  function clearDrafts() {
    try {
      var doomed = [];
      for (var i = 0; i < window.localStorage.length; i++) {
        var key = window.localStorage.key(i);
        if (DRAFT_PREFIXES.some(function (p) { return key.indexOf(p) === 0; })) doomed.push(key);
      }
      doomed.forEach(function (key) { window.localStorage.removeItem(key); });
    } catch (e) {
      /* storage disabled: there is nothing to clear */
    }
  }

  document.addEventListener("change", function (event) {
    var el = event.target.closest("[data-autosubmit]");
    if (el && el.form) el.form.submit();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
      return;
    }
    var back = event.target.closest("[data-back]");
    if (back) {
      window.history.back();
      return;
    }
    var toggle = event.target.closest("[data-check-all]");
    if (toggle) {
      var on = toggle.getAttribute("data-check-all") === "true";
      var scope = document.querySelector(toggle.getAttribute("data-check-target")) || document;
      scope.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = on; });
    }
  });

  // Shared office PCs: what a clerk typed into a draft must not outlive their log-out.
  document.addEventListener("submit", function (event) {
    if (event.target.matches("[data-logout]")) clearDrafts();
  });

  // "Back" only where there is a page to go back to (not in a tab opened from a link).
  if (window.history.length > 1) {
    document.querySelectorAll("[data-back]").forEach(function (button) { button.hidden = false; });
  }
})();
