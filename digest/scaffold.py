"""``python build.py new "标题"``: start a report as a draft, ready to fill in.

The file goes to ``articles/YYYY/YYYY-MM-DD-<slug>.md``, dated now in the
site's timezone, with a short pinyin slug made from the title. Values are
written with ``yaml.safe_dump``, so a title with colons, quotes or ``#``
reads back exactly as typed. An existing file is never overwritten.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import yaml

from .config import SiteConfig, load_config
from .content import slug_from_filename, slugify
from .errors import ProblemLog, format_problems
from .i18n import N_, _
from .loading import read_article_file
from .sources import ARTICLES_DIR, find_articles

SLUG_LIMIT = 40  # characters, cut at a whole word
FALLBACK_SLUG = "report"
EXISTS = N_("{path} already exists; open it, or give the new report another title")

BODY = """\
在这里写报道正文（Markdown）。第一段是导语：什么时间、在哪里、谁、做了什么，一两句话说清楚。

## 小标题

正文按事情的经过或要点分段写；要点多时用列表：

- 第一个要点
- 第二个要点

照片放进 media/ 文件夹，在上面的 photos: 里写 src（路径）、caption（说明）和 credit（摄影）。
写好后删去 draft: true 这一行再发布；发布前运行 python build.py check 检查。
"""


def new_article(title: str, content_dir: Path, place: str = "", now: datetime | None = None) -> int:
    """Write the new draft and print its path; 1 if it exists, 2 if the command is wrong."""
    title, place = " ".join(title.split()), " ".join(place.split())
    if not title:
        return _fail(_("give the report a title, e.g. python build.py new \"驿马乡启动一级响应\""), 2)
    if not content_dir.is_dir():
        return _fail(_("the content folder '{folder}' does not exist").format(folder=content_dir), 2)
    log = ProblemLog()
    config = load_config(content_dir, log)
    if log.has_errors:
        for line in format_problems(log.problems):
            print(line, file=sys.stderr)
        return 1
    moment = (now or datetime.now(config.timezone)).astimezone(config.timezone)
    slug = short_slug(title)
    path = content_dir / ARTICLES_DIR / f"{moment:%Y}" / f"{moment:%Y-%m-%d}-{slug}.md"
    if path.exists():
        return _fail(_(EXISTS).format(path=path), 1)
    text = front_matter(title, moment, place, unique_slug(slug, content_dir, config)) + BODY
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as file:  # "x": never overwrite
            file.write(text)
    except FileExistsError:
        return _fail(_(EXISTS).format(path=path), 1)
    print(path)
    print(_("next: edit it, and watch it with: python build.py serve"), file=sys.stderr)
    return 0


def short_slug(title: str) -> str:
    """The pinyin of the title, cut after whole words to at most SLUG_LIMIT characters."""
    kept = ""
    for word in slugify(title).split("-"):
        longer = f"{kept}-{word}" if kept else word
        if len(longer) > SLUG_LIMIT:
            break
        kept = longer
    return kept or FALLBACK_SLUG


def unique_slug(slug: str, content_dir: Path, config: SiteConfig) -> str | None:
    """None if ``slug`` is free; else the first free ``slug-2``, ``slug-3``, ...

    The file name keeps the plain slug (it is only the title's pinyin); an
    explicit ``slug:`` then keeps two reports with the same title apart.
    """
    used = used_slugs(content_dir, config)
    if slug not in used:
        return None
    number = 2
    while f"{slug}-{number}" in used:
        number += 1
    return f"{slug}-{number}"


def used_slugs(content_dir: Path, config: SiteConfig) -> set[str]:
    slugs = set()
    for path in find_articles(content_dir):
        article, _problems = read_article_file(path, content_dir, config)
        slugs.add(article.slug if article else slug_from_filename(path.relative_to(content_dir).as_posix()))
    return slugs


def front_matter(title: str, moment: datetime, place: str, slug: str | None) -> str:
    """The front matter block; every value that came from the editor goes through safe_dump."""
    lines = [
        "---",
        _field("title", title),
        f"date: {moment:%Y-%m-%d %H:%M}",
        _with_note("author:", "作者，多人用顿号隔开：张三、李四"),
        _field("place", place) if place else _with_note("place:", "报道的乡镇、街道或村"),
        _with_note("tags: []", "例如 [疫情防控, 基层党建]"),
    ]
    if slug:
        lines.append(_field("slug", slug))
    lines += ["draft: true", "---", ""]
    return "\n".join(lines)


def _field(key: str, value: str) -> str:
    return yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=10_000).rstrip("\n")


def _with_note(line: str, note: str) -> str:
    """A YAML comment that tells the editor what goes there."""
    return f"{line:<24}# {note}"


def _fail(message: str, status: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status
