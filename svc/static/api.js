// Swagger UI on this mount's openapi.json, named relative to the page so that a remount needs no change.
window.addEventListener("load", function () {
  var node = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: node.dataset.url, dom_id: "#swagger-ui", deepLinking: true });
});
