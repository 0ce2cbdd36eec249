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
    showKind(row);
    row.querySelector(".resident-link").hidden = false;
    row.querySelector(".resident-results").innerHTML = "";
    row.querySelector(".resident-picker").open = false;
  });
  // A person's row asks for an ID number, an organisation's for its credit code (the
  // server refuses the wrong one all the same; without script both show).
  function showKind(row) {
    const kind = row.querySelector("select[name$='-kind']");
    if (!kind) return;
    const org = kind.value === "organisation";
    // A field holding a value or an error stays in sight, so that the clerk can clear it.
    const keep = (el) => !!el.querySelector(".is-invalid") || [...el.querySelectorAll("input")].some((i) => i.value);
    row.querySelectorAll(".party-person").forEach((el) => { el.hidden = org && !keep(el); });
    row.querySelectorAll(".party-organisation").forEach((el) => { el.hidden = !org && !keep(el); });
  }
  document.querySelectorAll("#party-rows .party-row").forEach(showKind);
  document.addEventListener("change", function (e) {
    if (e.target.name && /-kind$/.test(e.target.name)) showKind(e.target.closest(".party-row"));
  });
  document.getElementById("add-party").addEventListener("click", function () {
    showKind(document.getElementById("party-rows").lastElementChild);
  });
  // Typing another name unlinks the resident.
  document.addEventListener("input", function (e) {
    if (!e.target.id || !/^id_parties-\d+-name$/.test(e.target.id)) return;
    const row = e.target.closest(".party-row");
    const hidden = row.querySelector("input[name$='-resident']");
    if (hidden && hidden.value) { hidden.value = ""; row.querySelector(".resident-link").hidden = true; }
  });
})();
