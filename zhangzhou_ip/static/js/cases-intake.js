/* Intake form helpers (no dependencies): add formset rows, show the fields of a party's
 * kind, and fill the <datalist> suggestions for enterprises and registered rights from the
 * JSON autocompletes. Without JavaScript the form still works: every field is visible and
 * the server resolves what was typed. */
(function () {
  "use strict";
  var root = document.getElementById("intake-form");
  if (!root) { return; }

  function debounce(fn, wait) {
    var timer;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, wait);
    };
  }

  function fillDatalist(id, items) {
    var list = document.getElementById(id);
    if (!list) { return; }
    list.replaceChildren();
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.value;
      option.textContent = item.label;
      if (item.kind) { option.dataset.kind = item.kind; }
      list.appendChild(option);
    });
  }

  function fetchJson(url) {
    return fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; });
  }

  // Show only the fields that belong to the chosen kind of party.
  function syncKind(row) {
    var select = row.querySelector("select[name$='-kind'], select[name='kind']");
    if (!select || !row.hasAttribute("data-party-row")) { return; }
    row.querySelectorAll("[data-party-kind]").forEach(function (el) {
      el.hidden = el.getAttribute("data-party-kind") !== select.value;
    });
  }

  function partyUsccs() {
    var values = [];
    document.querySelectorAll("input[data-ac='enterprise']").forEach(function (input) {
      if (input.value.trim()) { values.push(input.value.trim()); }
    });
    document.querySelectorAll("input[name$='uscc']").forEach(function (input) {
      if (input.value.trim()) { values.push(input.value.trim()); }
    });
    return values;
  }

  var enterpriseUrl = root.dataset.enterpriseUrl;
  var ipUrl = root.dataset.ipUrl;

  var suggestEnterprises = debounce(function (input) {
    var q = input.value.trim();
    if (q.length < 1 || !enterpriseUrl) { return; }
    fetchJson(enterpriseUrl + "?q=" + encodeURIComponent(q)).then(function (data) {
      fillDatalist("enterprise-suggestions", data.results.map(function (org) {
        return { value: org.uscc, label: org.name + (org.region ? " · " + org.region : "") };
      }));
    });
  }, 250);

  var suggestRights = debounce(function (input) {
    if (!ipUrl) { return; }
    var params = new URLSearchParams();
    params.set("q", input.value.trim());
    partyUsccs().forEach(function (v) { params.append("owner", v); });
    fetchJson(ipUrl + "?" + params.toString()).then(function (data) {
      fillDatalist("ip-suggestions", data.results.map(function (ip) {
        return { value: ip.number, kind: ip.kind, label: ip.kind_label + " · " + ip.title + " · " + ip.owner };
      }));
    });
  }, 250);

  // Picking a registered right also sets its kind.
  function pickRight(input) {
    var list = document.getElementById("ip-suggestions");
    if (!list) { return; }
    var option = Array.prototype.find.call(list.options, function (o) { return o.value === input.value; });
    if (!option || !option.dataset.kind) { return; }
    var row = input.closest("[data-formset-row], form");
    var kind = row && row.querySelector("select[name$='kind']");
    if (kind) { kind.value = option.dataset.kind; }
  }

  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.dataset.ac === "enterprise") { suggestEnterprises(el); }
    if (el.dataset.ac === "ip") { suggestRights(el); pickRight(el); }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.dataset && event.target.dataset.ac === "ip") { suggestRights(event.target); }
  });
  document.addEventListener("change", function (event) {
    var row = event.target.closest("[data-party-row]");
    if (row) { syncKind(row); }
  });
  document.querySelectorAll("[data-party-row]").forEach(syncKind);

  // "Add a party" / "Add a right": clone the formset's empty form with the next index.
  document.querySelectorAll("[data-formset-add]").forEach(function (button) {
    button.addEventListener("click", function () {
      var prefix = button.getAttribute("data-formset-add");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
      var template = document.querySelector("template[data-formset-template='" + prefix + "']");
      var container = document.querySelector("[data-formset='" + prefix + "']");
      if (!total || !template || !container) { return; }
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) { return; }
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      container.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var row = container.lastElementChild;
      syncKind(row);
      var first = row.querySelector("select, input");
      if (first) { first.focus(); }
    });
  });
})();
