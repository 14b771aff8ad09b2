/* Starts Redoc on the API reference page (templates/api/redoc.html). The page's CSP allows
 * <style> elements only with this response's nonce; Redoc adds its `nonce` option to every
 * <style> it writes. The nonce is read from this script element (browsers hide the attribute
 * from the DOM but keep the property). */
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  var script = document.currentScript;
  if (!container || !window.Redoc) { return; }
  var options = JSON.parse(document.getElementById("redoc-options").textContent || "{}");
  if (script && script.nonce) { options.nonce = script.nonce; }
  window.Redoc.init(container.getAttribute("data-schema-url"), options, container);
})();
