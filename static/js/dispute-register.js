/* Registering a dispute (templates/disputes/register.html): party rows added in the page
 * and filled from a resident picked in the search results. */
(function () {
  // Add a party row: copy the empty form, numbering it like Django's formset expects.
  const total = document.getElementById("id_parties-TOTAL_FORMS");
  const max = parseInt(document.getElementById("id_parties-MAX_NUM_FORMS").value, 10);
  document.getElementById("add-party").addEventListener("click", function () {
    const n = parseInt(total.value, 10);
    if (n >= max) return;
    const html = document.getElementById("party-template").innerHTML.replace(/__prefix__/g, n);
    document.getElementById("party-rows").insertAdjacentHTML("beforeend", html);
    total.value = n + 1;
    htmx.process(document.getElementById("party-rows").lastElementChild);
  });
  // Fill a party row from a resident picked in the search results.
  document.addEventListener("click", function (e) {
    const b = e.target.closest("[data-fill-row]");
    if (!b) return;
    const p = b.dataset.fillRow;
    const set = (name, value) => { const el = document.getElementById("id_" + p + "-" + name); if (el) el.value = value; };
    set("name", b.dataset.name); set("phone", b.dataset.phone); set("address", b.dataset.address);
    set("resident", b.dataset.resident); set("kind", "person");
    const row = b.closest(".party-row");
    row.querySelector(".resident-link").hidden = false;
    row.querySelector(".resident-results").innerHTML = "";
    row.querySelector(".resident-picker").open = false;
  });
  // Typing another name unlinks the resident.
  document.addEventListener("input", function (e) {
    if (!e.target.id || !/^id_parties-\d+-name$/.test(e.target.id)) return;
    const row = e.target.closest(".party-row");
    const hidden = row.querySelector("input[name$='-resident']");
    if (hidden && hidden.value) { hidden.value = ""; row.querySelector(".resident-link").hidden = true; }
  });
})();
