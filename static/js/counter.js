/* A live character count under every text area that has a maxlength.
 *
 * The browser already stops typing at maxlength; the count tells the user how close
 * they are before a pasted text is cut. Its words come from the page (data-counter,
 * translated by the server, with {count} and {max} in it), so nothing here is in one
 * language; without data-counter it shows "n / max". The visible count is redrawn on
 * every keystroke; a visually hidden polite live region repeats it once typing pauses,
 * so a screen reader hears it without being interrupted at every key.
 * No inline script: this file is loaded with defer from base.html.
 */
(function () {
  "use strict";

  var PAUSE_MS = 1000;
  var updaters = [];
  var NEAR = 0.9; // from 90% of the limit the count turns red

  function words(area, count, max) {
    var template = area.getAttribute("data-counter") || "{count} / {max}";
    return template.replace("{count}", String(count)).replace("{max}", String(max));
  }

  function attach(area) {
    if (area.hasAttribute("data-counter-ready")) return;
    var max = parseInt(area.getAttribute("maxlength"), 10);
    if (!(max > 0)) return;
    area.setAttribute("data-counter-ready", "");

    var shown = document.createElement("div");
    shown.className = "form-text text-end char-counter";
    shown.setAttribute("aria-hidden", "true");
    var live = document.createElement("div");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    if (area.id) {
      live.id = area.id + "-counter";
      var described = area.getAttribute("aria-describedby");
      area.setAttribute("aria-describedby", (described ? described + " " : "") + live.id);
    }
    area.insertAdjacentElement("afterend", live);
    area.insertAdjacentElement("afterend", shown);

    var timer = null;
    function update(announce) {
      // value.length counts a line break once, as maxlength does.
      var count = area.value.length;
      var text = words(area, count, max);
      shown.textContent = text;
      shown.classList.toggle("text-danger", count >= max * NEAR);
      shown.classList.toggle("fw-semibold", count >= max * NEAR);
      window.clearTimeout(timer);
      if (announce) {
        timer = window.setTimeout(function () {
          live.textContent = text;
        }, PAUSE_MS);
      } else {
        live.textContent = text;
      }
    }
    area.addEventListener("input", function () {
      update(true);
    });
    area.addEventListener("change", function () {
      update(false);
    });
    updaters.push(update);
    update(false);
  }

  function scan(root) {
    if (root.matches && root.matches("textarea[maxlength]")) attach(root);
    if (root.querySelectorAll) root.querySelectorAll("textarea[maxlength]").forEach(attach);
  }

  function refresh() {
    updaters.forEach(function (update) {
      update(false);
    });
  }

  scan(document);
  // Values set without an event: a draft another script restores (after this one runs,
  // if it is deferred too) and the form the browser brings back on "Back".
  document.addEventListener("DOMContentLoaded", refresh);
  window.addEventListener("pageshow", refresh);
  // Forms that htmx swaps into the page get their counters too.
  document.addEventListener("htmx:load", function (event) {
    scan(event.detail.elt);
  });
})();
