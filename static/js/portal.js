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
 *
 * And after a failed submit the page opens at the first marked field (focused), not at
 * the top with the error a screen or more below.
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

  // The first field a form marked (crispy-forms' .is-invalid, the toggle buttons' group,
  // the phone forms' .invalid-feedback) or a form-wide error: focused and scrolled into view.
  // Filter bars (role=search) are left out: a bad filter value is ignored, not an error to fix.
  function jumpToFirstError() {
    var marked = Array.prototype.find.call(
      document.querySelectorAll("main form:not([role=search]) :is(.is-invalid, .invalid-feedback.d-block, .alert-danger)"),
      function (el) { return el.getClientRects().length > 0; }  // not in a folded step
    );
    if (!marked) return;
    var box = marked.closest(".mb-3, fieldset, .form-group, .party-row") || marked.parentElement;
    var target = marked.matches("input, select, textarea")
      ? marked
      : box.querySelector("input:not([type=hidden]), select, textarea") || marked;
    if (!target.matches("input, select, textarea, button, a")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
    (box || target).scrollIntoView({ block: "center" });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", jumpToFirstError);
  else jumpToFirstError();

  // "Back" only where there is a page to go back to (not in a tab opened from a link).
  if (window.history.length > 1) {
    document.querySelectorAll("[data-back]").forEach(function (button) { button.hidden = false; });
  }
})();
