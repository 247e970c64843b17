"""Where the front-end packages live: installed from npm at setup, never copied into the repo.

``make setup`` runs ``npm ci``, which puts the packages pinned in ``package-lock.json``
into ``node_modules/`` in the project root: ``govuk-frontend`` (the GOV.UK Design System's
compiled CSS, JavaScript and assets, served by the app), ``swagger-ui-dist`` (the API's
documentation page, served by the app) and ``axe-core`` (injected into pages by the
browser tests). Every path to them is computed here and nowhere else.
"""

from __future__ import annotations

from pathlib import Path

from assistant.settings import PROJECT_ROOT

NODE_MODULES = PROJECT_ROOT / "node_modules"
GOVUK_DIST = NODE_MODULES / "govuk-frontend" / "dist" / "govuk"
GOVUK_CSS = GOVUK_DIST / "govuk-frontend.min.css"
GOVUK_JS = GOVUK_DIST / "govuk-frontend.min.js"
GOVUK_ASSETS = GOVUK_DIST / "assets"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
SWAGGER_DIST = NODE_MODULES / "swagger-ui-dist"

# Where the app serves them: the compiled CSS refers to its fonts and images as /assets/...
GOVUK_URL = "/govuk"
ASSETS_URL = "/assets"
SWAGGER_URL = "/swagger"

MISSING = ("The web front end (govuk-frontend) is not installed: {path} is missing, so pages "
           "are shown without their GOV.UK styles. Run `make setup` (it runs `npm ci`) in {root}.")


def installed(dist: Path = GOVUK_DIST) -> bool:
    """True when govuk-frontend's compiled CSS, JavaScript and assets are all there."""
    return all(p.exists() for p in (dist / GOVUK_CSS.name, dist / GOVUK_JS.name, dist / "assets"))


def missing_message(dist: Path = GOVUK_DIST) -> str:
    """What to tell whoever runs the app when :func:`installed` is False."""
    return MISSING.format(path=dist, root=PROJECT_ROOT)


def swagger_installed() -> bool:
    """True when swagger-ui-dist's bundle and styles are there (for /docs)."""
    return all((SWAGGER_DIST / name).exists() for name in ("swagger-ui-bundle.js", "swagger-ui.css"))


def swagger_missing_message() -> str:
    """What /docs says when :func:`swagger_installed` is False."""
    return (f"The API documentation page needs swagger-ui-dist, and {SWAGGER_DIST} is missing. "
            f"Run `make setup` (it runs `npm ci`) in {PROJECT_ROOT}. The API itself works: "
            "its description is at /openapi.json.")
