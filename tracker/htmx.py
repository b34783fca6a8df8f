"""Small response helpers on top of htmx-flask."""
from flask import Response, make_response, render_template, request


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page.

    Boosted navigation and history restoration need the whole page.
    """
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(page_template: str, fragment: str, status: int = 200, **context) -> Response:
    """Render the fragment for htmx swaps, the full page otherwise; vary on HX-Request."""
    template = fragment if wants_fragment() else page_template
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def render_fragment(template: str, status: int = 200, **context) -> Response:
    return render_fragment_html(render_template(template, **context), status)


def render_fragment_html(html: str, status: int = 200) -> Response:
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response
