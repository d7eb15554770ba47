"""The Swagger UI page with a menu of every service's OpenAPI document."""

import json
from collections.abc import Sequence

from fastapi.responses import HTMLResponse

__all__ = ["SWAGGER_UI_VERSION", "swagger_ui_page"]

SWAGGER_UI_VERSION = "5"
_CDN = f"https://cdn.jsdelivr.net/npm/swagger-ui-dist@{SWAGGER_UI_VERSION}"

# FastAPI's get_swagger_ui_html cannot be used: it loads only swagger-ui-bundle.js with the
# BaseLayout, and the menu of several `urls` is part of the StandaloneLayout's top bar, which
# lives in the separate swagger-ui-standalone-preset.js.
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
<link rel="stylesheet" href="{cdn}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script id="swagger-config" type="application/json">{config}</script>
<script src="{cdn}/swagger-ui-bundle.js"></script>
<script src="{cdn}/swagger-ui-standalone-preset.js"></script>
<script>
const config = JSON.parse(document.getElementById("swagger-config").textContent);
window.ui = SwaggerUIBundle(Object.assign(config, {{
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  plugins: [SwaggerUIBundle.plugins.DownloadUrl],
}}));
</script>
</body>
</html>
"""


def _script_safe_json(value: object) -> str:
    # The JSON sits inside a <script> element: escape what could close it or open a comment.
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def swagger_ui_page(*, title: str, documents: Sequence[tuple[str, str]]) -> HTMLResponse:
    """Render the page; `documents` are (service name, URL of its OpenAPI JSON) in menu order."""
    config = {
        "dom_id": "#swagger-ui",
        "layout": "StandaloneLayout",
        "deepLinking": True,
        "urls": [{"name": name, "url": url} for name, url in documents],
    }
    if documents:
        config["urls.primaryName"] = documents[0][0]
    html = _PAGE.format(title=title, cdn=_CDN, config=_script_safe_json(config))
    return HTMLResponse(html)
