"""The Jinja environment: autoescape on, undefined names an error, a few filters.

Templates only lay out what :mod:`digest.pages` planned; any logic that needs
more than a loop or an ``if`` belongs in Python.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

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
    env.install_gettext_translations(page_texts(language), newstyle=True)
    env.filters["long_date"] = lambda moment: long_date(moment, language)
    env.filters["long_datetime"] = lambda moment: long_datetime(moment, language)


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
