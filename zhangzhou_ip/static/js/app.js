/* Behaviour every page shares, loaded by base.html after htmx. The Content-Security-Policy
 * allows no inline script or event-handler attribute (decision 0016), so what used to be
 * written into templates (hx-on:…) lives here and templates only mark elements with data-
 * attributes.
 *
 * data-swap-errors: htmx normally discards 4xx answers. Inside an element with this marker
 * the validation and conflict answers (400, 409, 422 by default, or the status codes listed
 * in the attribute) are swapped in like a success, so the re-rendered form shows its errors.
 *
 * data-history-back: a link that goes back one page (to the form a refused upload came from);
 * its href is where it leads without JavaScript or without a previous page.
 *
 * Tabs and the address: a page address ending in #<name> or #pane-<name> opens the tab whose
 * pane is #pane-<name> (the case page's tabs load their content when first shown, so a link
 * to #comments opens the "Comments" tab rather than an anchor inside an empty pane). */
(function () {
  "use strict";
  var DEFAULT_STATUSES = [400, 409, 422];

  function swapStatuses(marker) {
    var listed = (marker.getAttribute("data-swap-errors") || "").split(/[\s,]+/)
      .filter(Boolean).map(Number);
    return listed.length ? listed : DEFAULT_STATUSES;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    // The event is fired on the element that made the request and bubbles to the marker.
    var marker = event.target.closest && event.target.closest("[data-swap-errors]");
    if (!marker) { return; }
    if (swapStatuses(marker).indexOf(event.detail.xhr.status) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function showTabOfAddress() {
    var name = window.location.hash.replace(/^#(pane-)?/, "");
    if (!name || !window.bootstrap || !window.CSS) { return; }
    var button = document.querySelector(
      '[data-bs-toggle="tab"][data-bs-target="#pane-' + window.CSS.escape(name) + '"]');
    if (button) { window.bootstrap.Tab.getOrCreateInstance(button).show(); }
  }
  document.addEventListener("DOMContentLoaded", showTabOfAddress);
  window.addEventListener("hashchange", showTabOfAddress);

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-history-back]");
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
