"""The API's documentation at /docs: FastAPI's Swagger UI page with its script and stylesheet
served from the swagger-ui-py package, so that the page loads nothing from elsewhere."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, Response

router = APIRouter(include_in_schema=False)
_FILES = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css", "favicon-32x32.png": "image/png"}


def _static() -> Path:
    import swagger_ui

    return Path(swagger_ui.__file__).parent / "static"


@router.get("/docs")
async def docs():
    return get_swagger_ui_html(openapi_url="/openapi.json", title="StadtLABOR central – API",
                               swagger_js_url="/docs/static/swagger-ui-bundle.js",
                               swagger_css_url="/docs/static/swagger-ui.css",
                               swagger_favicon_url="/docs/static/favicon-32x32.png")


@router.get("/docs/static/{name}")
async def docs_file(name: str):
    if name not in _FILES:
        return Response(status_code=404)
    return FileResponse(_static() / name, media_type=_FILES[name], headers={"Cache-Control": "public, max-age=86400"})
