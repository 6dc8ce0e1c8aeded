// Starts Swagger UI on this server's own contract. Kept out of index.html
// so the page needs no inline script under the Content-Security-Policy.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.yaml",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
    // Off: Swagger UI would otherwise send the contract to an outside
    // validator whenever the page is not on localhost, which the page's
    // Content-Security-Policy blocks, with an error in the console.
    validatorUrl: null,
  });
});
