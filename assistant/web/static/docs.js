// Starts Swagger UI on /docs and ReDoc on /redoc: a file of its own because the CSP allows no
// inline script.
window.addEventListener("load", function () {
  var swagger = document.getElementById("swagger-ui");
  if (swagger) {
    window.ui = SwaggerUIBundle({
      url: swagger.dataset.openapiUrl,
      dom_id: "#swagger-ui",
      layout: "BaseLayout",
      deepLinking: true,
      showExtensions: true,
      showCommonExtensions: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    });
  }
  var redoc = document.getElementById("redoc");
  if (redoc) {
    Redoc.init(redoc.dataset.openapiUrl, { nonce: redoc.dataset.nonce }, redoc);
  }
});
