"""The API's documentation page, ``/docs``: Swagger UI served from this app.

FastAPI's own page loads Swagger UI from a CDN, which a council network without internet
access (and this project's offline rule) never reaches, so the page would be blank. Here
``swagger-ui-dist`` comes from npm at setup (``node_modules/``, as govuk-frontend does),
is served under ``/swagger/``, and is started by ``/static/api-docs.js``: no inline script,
no outside address.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from web import frontend
from web.templating import templates

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/docs")
def swagger_ui_html(request: Request):
    """Swagger UI over /openapi.json (the Authorize button takes an API token)."""
    if not frontend.swagger_installed():
        return templates.TemplateResponse(request, "api_docs_missing.html", status_code=503,
                                          context={"message": frontend.swagger_missing_message()})
    return templates.TemplateResponse(request, "api_docs.html", context={"openapi_url": request.app.openapi_url})
