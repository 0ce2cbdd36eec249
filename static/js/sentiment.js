/* Sentiment log pages: the filing form's browser-kept draft and its show-when sections.
 *
 * The draft lives in localStorage under the form's data-draft-key (one per user). It is
 * saved on every change and restored when the form is opened fresh, so a dropped
 * connection or a closed tab loses nothing; a form the server sent back with errors
 * already carries what was typed. The draft keeps the form's client token, so sending
 * it twice files one log. It is cleared when a page shows the log filed with that token
 * (the log's detail page carries data-sentiment-filed-token), and at log-out
 * (static/js/portal.js clears every key starting with "sentiment-log-draft:").
 * The chosen category's common matters (#phrases) show as buttons that fill the matter.
 */
(function () {
  "use strict";

  var SKIP = { csrfmiddlewaretoken: true, photos: true };

  function readDraft(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  function writeDraft(key, draft) {
    try {
      window.localStorage.setItem(key, JSON.stringify(draft));
    } catch (e) {
      /* storage full or disabled: the form still works, only without a draft */
    }
  }

  function dropDraft(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (e) {}
  }

  // Clear the draft the server has just filed (any page may carry the marker).
  document.querySelectorAll("[data-sentiment-filed-token]").forEach(function (el) {
    var key = el.getAttribute("data-draft-key");
    var draft = readDraft(key);
    if (draft && draft.fields && draft.fields.client_token === el.getAttribute("data-sentiment-filed-token")) {
      dropDraft(key);
    }
  });

  var form = document.getElementById("log-form");
  if (!form) return;
  var key = form.getAttribute("data-draft-key");

  function collect() {
    var fields = {};
    var resident = null;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name] || el.type === "file" || el.type === "submit") return;
      if (el.type === "radio") {
        if (el.checked) {
          fields[el.name] = el.value;
          if (el.name === "resident" && el.value) resident = { pk: el.value, label: el.getAttribute("data-label") || "" };
        }
        return;
      }
      if (el.type === "checkbox") {
        fields[el.name] = el.checked;
        return;
      }
      fields[el.name] = el.value;
    });
    return { v: 1, savedAt: new Date().toISOString(), fields: fields, resident: resident };
  }

  var timer = null;
  function saveSoon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      writeDraft(key, collect());
    }, 250);
  }

  function ensureResidentChoice(resident) {
    // The search results are not on a fresh page: put the picked resident back as a choice.
    if (form.querySelector('input[name="resident"][value="' + CSS.escape(resident.pk) + '"]')) return;
    var box = document.getElementById("resident-results");
    var wrap = document.createElement("div");
    wrap.className = "d-grid gap-2";
    var input = document.createElement("input");
    input.type = "radio";
    input.className = "btn-check";
    input.name = "resident";
    input.id = "resident-" + resident.pk;
    input.value = resident.pk;
    input.setAttribute("data-label", resident.label);
    var label = document.createElement("label");
    label.className = "btn btn-outline-success text-start";
    label.htmlFor = input.id;
    label.textContent = resident.label;
    wrap.appendChild(input);
    wrap.appendChild(label);
    box.replaceChildren(wrap);
  }

  function restore(draft) {
    var fields = draft.fields || {};
    if (draft.resident) ensureResidentChoice(draft.resident);
    Object.keys(fields).forEach(function (name) {
      var value = fields[name];
      var els = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
      els.forEach(function (el) {
        if (el.type === "radio") el.checked = el.value === value;
        else if (el.type === "checkbox") el.checked = !!value;
        else if (el.type !== "file") el.value = value;
      });
    });
  }

  function checkedValue(name) {
    var el = form.querySelector('input[name="' + name + '"]:checked');
    return el ? el.value : "";
  }

  function toggleSections() {
    form.querySelectorAll("[data-show-when]").forEach(function (section) {
      var rule = section.getAttribute("data-show-when").split("=");
      section.hidden = checkedValue(rule[0]) !== rule[1];
    });
  }

  // The common matters of the chosen category (issue 16, item 21): a tap fills the matter
  // and the policy basis, which the worker then edits where the case differs.
  var phrases = document.getElementById("phrases");
  function showPhrases() {
    if (!phrases) return;
    var category = checkedValue("category");
    var any = false;
    phrases.querySelectorAll("[data-phrase-category]").forEach(function (button) {
      button.hidden = button.getAttribute("data-phrase-category") !== category;
      if (!button.hidden) any = true;
    });
    phrases.hidden = !any;
  }
  function usePhrase(button) {
    var matter = form.elements.matter;
    matter.value = button.textContent.trim();
    var basis = button.getAttribute("data-policy-basis");
    if (basis && form.elements.policy_basis) form.elements.policy_basis.value = basis;
    phrases.querySelectorAll("[data-phrase-category]").forEach(function (other) {
      other.setAttribute("aria-pressed", other === button ? "true" : "false");
    });
    matter.dispatchEvent(new Event("input", { bubbles: true })); // the counter and the draft follow
  }
  if (phrases) {
    phrases.addEventListener("click", function (event) {
      var button = event.target.closest("[data-phrase-category]");
      if (button) usePhrase(button);
    });
  }

  if (form.getAttribute("data-bound") === "0") {
    var draft = readDraft(key);
    if (draft && draft.fields && (draft.fields.matter || draft.fields.category || draft.resident)) {
      restore(draft);
      var note = document.getElementById("draft-restored");
      if (note) note.classList.remove("d-none");
      // Unfold the sections that hold restored values, so nothing restored is out of sight.
      form.querySelectorAll("details").forEach(function (section) {
        section.querySelectorAll("input, textarea").forEach(function (el) {
          if (el.type !== "radio" && el.type !== "file" && el.value !== el.defaultValue) section.open = true;
          if (el.type === "radio" && el.checked !== el.defaultChecked) section.open = true;
        });
      });
    }
  }
  toggleSections();
  showPhrases();

  form.addEventListener("input", saveSoon);
  form.addEventListener("change", function (event) {
    if (event.target.name === "grid") {
      // Another grid: its residents differ, so the pick and the results go.
      document.getElementById("resident-results").replaceChildren();
      var q = document.getElementById("resident-q");
      if (q && q.value && window.htmx) window.htmx.trigger(q, "search");
    }
    toggleSections();
    if (event.target.name === "category") showPhrases();
    saveSoon();
  });
  form.addEventListener("submit", function () {
    window.clearTimeout(timer);
    writeDraft(key, collect()); // kept until the filed log's page says it arrived
    var button = document.getElementById("file-submit");
    if (button) button.setAttribute("aria-busy", "true");
  });
  // Enter in the resident search looks the name up now instead of sending the half-filled
  // form (the search box's hx-trigger has no keyup[...] filter: htmx may not eval under the CSP).
  var search = document.getElementById("resident-q");
  if (search) {
    search.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      if (window.htmx) window.htmx.trigger(search, "search");
    });
  }
  // Results swapped in by htmx keep the current pick checked; save it with the draft.
  document.body.addEventListener("htmx:afterSwap", saveSoon);

  var discard = document.querySelector("[data-draft-discard]");
  if (discard) {
    discard.addEventListener("click", function () {
      dropDraft(key);
      window.location.replace(window.location.pathname);
    });
  }
})();
