"""The Jinja environment: autoescape on, undefined names an error, a few filters.

Templates only lay out what :mod:`digest.pages` planned; any logic that needs
more than a loop or an ``if`` belongs in Python.
"""

from __future__ import annotations

from pathlib import Path

from typing import Callable

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from .dates import has_time, long_date, long_datetime
from .i18n import page_texts
from .options import PROJECT_DIR, Theme
from .pages import Page
from .site import Site

PREVIEW_SCRIPT = "__preview__/reload.js"


def make_environment(templates_dir: Path, language: str) -> Environment:
    """The environment for a site in ``language`` (site.yaml's): its templates' ``_()``
    and dates speak the site's language, not the command line's."""
    env = Environment(
        extensions=["jinja2.ext.i18n"],
        loader=FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["iso"] = lambda moment: moment.isoformat()
    env.filters["clock"] = lambda moment: f"{moment:%H:%M}" if has_time(moment) else ""
    speak(env, language)
    return env


def speak(env: Environment, language: str) -> None:
    """Put ``language``'s texts and dates into the templates (Jinja looks them up at
    each render, so a kept environment follows a site whose language changed)."""
    texts = page_texts(language)
    env.install_gettext_translations(texts, newstyle=True)
    env.globals["_"] = quick_gettext(texts)
    env.filters["long_date"] = lambda moment: long_date(moment, language)
    env.filters["long_datetime"] = lambda moment: long_datetime(moment, language)


def quick_gettext(texts) -> Callable[..., str]:
    """The templates' ``_()``, as Jinja's newstyle ``gettext`` makes it, without its
    two context calls: base.html alone has fourteen, on every page. A text with no
    variables is translated and formatted once."""
    plain: dict[str, Markup] = {}

    @pass_eval_context
    def gettext(eval_ctx: EvalContext, string: str, **variables) -> str:
        if not eval_ctx.autoescape:
            return texts.gettext(string) % variables
        if variables:
            return Markup(texts.gettext(string)) % variables
        found = plain.get(string)
        if found is None:
            found = plain[string] = Markup(texts.gettext(string)) % variables
        return found

    return gettext


def render_page(env: Environment, site: Site, page: Page, preview: bool = False) -> bytes:
    template = env.get_template(page.template)
    root = site.config.base_path if page.dest == "404.html" else page.root
    html = template.render(
        site=site,
        config=site.config,
        page=page,
        root=root,
        preview_script=root + PREVIEW_SCRIPT if preview else None,
        **page.data,
    )
    return html.encode("utf-8")
