"""The interactive documentation in headless Chromium, on a network that reaches only Newsline.

Needs Debian's `chromium` (`.ci/run` installs it); without it only this test skips.
"""

from __future__ import annotations

from tests.e2e.conftest import CHROMIUM, Server, needs_chromium

pytestmark = needs_chromium


def test_swagger_ui_and_redoc_render_offline(server: Server) -> None:
    from playwright.sync_api import Request, Route, expect, sync_playwright

    server.start()
    outside: list[str] = []
    problems: list[str] = []

    def only_newsline(route: Route, request: Request) -> None:
        if request.url.startswith((server.url, "data:", "blob:")):
            route.continue_()
        else:  # a closed network: nothing else answers
            outside.append(request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page()
            page.route("**/*", only_newsline)
            page.on("console", lambda message: message.type == "error" and problems.append(message.text))
            page.on("pageerror", lambda error: problems.append(str(error)))

            page.goto(f"{server.url}/docs")
            expect(page.locator(".swagger-ui .info .title")).to_contain_text("Newsline")
            expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
            assert page.locator(".swagger-ui .opblock").count() > 10

            page.goto(f"{server.url}/redoc")
            expect(page.locator("h1").first).to_contain_text("Newsline")
            expect(page.locator("h2").first).to_be_visible()
            assert page.locator("h2").count() > 10  # one per operation
        finally:
            browser.close()
    assert outside == []
    # ReDoc's "API docs by Redocly" link shows a logo from its CDN, and hides it when it
    # fails to load: the page policy stops that request before it leaves the browser.
    redocly_logo = "Loading the image 'https://cdn.redoc.ly/"
    assert [problem for problem in problems if not problem.startswith(redocly_logo)] == []
