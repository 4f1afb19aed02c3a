"""Request and response bodies as the API document (OpenAPI) describes them."""
