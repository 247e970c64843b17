// Starts Swagger UI on /docs (the Content-Security-Policy allows no inline script).
const node = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({ url: node.dataset.openapiUrl, dom_id: "#swagger-ui" });
