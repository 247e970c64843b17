"""Security headers on every response (a plain ASGI middleware, so streaming is untouched)."""

from __future__ import annotations

CSP = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
# FastAPI's Swagger UI page loads its script and styles from a CDN and starts with an
# inline script, so /docs alone gets a policy that allows them.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' https://cdn.jsdelivr.net; "
            "img-src 'self' data: https://fastapi.tiangolo.com; frame-ancestors 'none'")
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
