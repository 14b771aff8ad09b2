/* New collaboration request: shows the chosen kind's default due date (the service applies it
 * when the field is left empty) and keeps the due date from being set in the past.
 * Data from the page: the due dates per kind (json_script "collaboration-due-dates"), the
 * translated hint (data-template on #due-hint) and today's date (data-today on the form). */
(function () {
  "use strict";
  var form = document.getElementById("collaboration-form");
  var datesNode = document.getElementById("collaboration-due-dates");
  if (!form || !datesNode) { return; }
  var dates = JSON.parse(datesNode.textContent);
  var kind = document.getElementById("id_kind");
  var due = document.getElementById("id_due_on");
  var hint = document.getElementById("due-hint");
  var template = (hint && hint.getAttribute("data-template")) || "";

  function update() {
    var date = dates[kind.value];
    if (hint) { hint.textContent = date ? template.replace("%(date)s", date) : ""; }
    if (due) { due.placeholder = date || ""; }
  }

  if (due && form.getAttribute("data-today")) { due.min = form.getAttribute("data-today"); }
  if (kind) { kind.addEventListener("change", update); update(); }
})();
