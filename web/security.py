"""Security headers on every response (a plain ASGI middleware, so streaming is untouched)."""

from __future__ import annotations

CSP = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
# Swagger UI (served from this app, see web/api_docs.py) sets inline styles and draws its
# icons from data: URLs; its script is a file like any other.
DOCS_CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect")


class SecurityHeaders:
    """Adds Content-Security-Policy, X-Content-Type-Options and Referrer-Policy."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"] in DOCS_PATHS else CSP

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in (b"content-security-policy", b"x-content-type-options",
                                                b"referrer-policy")]
                headers += [(b"content-security-policy", csp.encode()),
                            (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"same-origin")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
