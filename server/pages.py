"""Server-rendered confirmation pages for one-time links (mail scanners must not use them up).

A GET only shows a page; the button on it POSTs, and only that POST uses the
token. The page itself carries the token in its form, never in a later URL.
"""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
background:#f5f7fa;color:#1b1b1b;line-height:1.5}
main{max-width:34rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:8px;
box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.5rem;margin-top:0}
button{font:inherit;font-size:1.05rem;padding:.6rem 1.4rem;border:0;border-radius:4px;
background:#154273;color:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
.fout{color:#a4000f}
label{display:block;font-weight:600;margin:1rem 0 .3rem}
select{font:inherit;width:100%;padding:.45rem;border:1px solid #6b7785;border-radius:4px;
background:inherit;color:inherit}
select:focus-visible{outline:3px solid #ffbf47;outline-offset:1px}
fieldset{border:1px solid #c5cbd3;border-radius:6px;margin:1.2rem 0;padding:.2rem 1rem 1rem}
legend{font-weight:600;padding:0 .3rem}
.hint{font-size:.92rem;margin:0 0 .3rem;color:#4a5561}
@media (prefers-color-scheme:dark){body{background:#14181d;color:#e8eaed}
main{background:#1f252c}button{background:#5b9bd5;color:#0b0d10}.hint{color:#b8c0c8}
.fout{color:#ff8a8a}}
"""


def page(title: str, body_html: str, status: int = 200) -> HTMLResponse:
    """A small, accessible Dutch page around trusted body HTML."""
    html = (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} – Dialoog</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body_html}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status)


def confirm_page(title: str, text: str, action: str, token: str, button: str) -> HTMLResponse:
    """A page with one button that POSTs the token to action."""
    return page(
        title,
        f"<p>{escape(text)}</p>"
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        f'<button type="submit">{escape(button)}</button></form>',
    )


def error_page(title: str, text: str, status: int) -> HTMLResponse:
    """A page that says why a link does not work (anymore)."""
    return page(title, f'<p class="fout" role="alert">{escape(text)}</p>', status)
