"""``python build.py new "标题"``: start a report as a draft, ready to fill in.

The file goes to ``articles/YYYY/YYYY-MM-DD-<slug>.md``, dated now in the
site's timezone, with a pinyin slug made from the title, written into the file
as its ``slug:`` line (the one an editor copies into the timeline). A slug
another report has, or a file name taken by another title, gets ``-2``,
``-3``...: a new title is never refused. Values are written with
``yaml.safe_dump``, so a title with colons, quotes or ``#`` reads back exactly
as typed. An existing file is never overwritten.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import yaml

from .config import SiteConfig, load_config
from .commands import command, content_args
from .content import normalise, slug_from_filename
from .errors import ProblemLog, format_problems
from .i18n import N_, _
from .loading import front_fields, read_article_file
from .slugs import slugify
from .sources import ARTICLES_DIR, find_articles

FALLBACK_SLUG = "report"
EXISTS = N_("{path} already exists; open it, or give the new report another title")

BODY = """\
在这里写报道正文（Markdown）。第一段是导语：什么时间、在哪里、谁、做了什么，一两句话说清楚。

## 小标题

正文按事情的经过或要点分段写；要点多时用列表：

- 第一个要点
- 第二个要点

照片放进 media/ 文件夹，在上面的 photos: 里写 src（路径）、caption（说明）和 credit（摄影）。
写好后删去 draft: true 这一行再发布；发布前运行 `{check}` 检查。
"""


def new_article(title: str, content_dir: Path, place: str = "", now: datetime | None = None) -> int:
    """Write the new draft and print its path; 1 if it exists, 2 if the command is wrong."""
    title, place = " ".join(title.split()), " ".join(place.split())
    if not title:
        return _fail(_("give the report a title, e.g. {command}").format(command=command("new", "驿马乡启动一级响应")), 2)
    if not content_dir.is_dir():
        return _fail(_("the content folder '{folder}' does not exist").format(folder=content_dir), 2)
    log = ProblemLog()
    config = load_config(content_dir, log)
    if log.has_errors:
        for line in format_problems(log.problems):
            print(line, file=sys.stderr)
        return 1
    moment = (now or datetime.now(config.timezone)).astimezone(config.timezone)

    def path_of(slug: str) -> Path:
        return content_dir / ARTICLES_DIR / f"{moment:%Y}" / f"{moment:%Y-%m-%d}-{slug}.md"

    slug = slugify(title) or FALLBACK_SLUG
    if path_of(slug).exists() and _may_be_this_report(path_of(slug), title):
        return _fail(_(EXISTS).format(path=path_of(slug)), 1)
    slug = free_slug(slug, used_slugs(content_dir, config), path_of)
    path = path_of(slug)
    body = BODY.format(check=command("check", *content_args(content_dir)))
    text = front_matter(title, moment, place, slug) + body
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as file:  # "x": never overwrite
            file.write(text)
    except FileExistsError:
        return _fail(_(EXISTS).format(path=path), 1)
    print(path)
    print(_("next: edit it, and watch it with: {command}").format(command=command("serve", *content_args(content_dir))),
          file=sys.stderr)
    return 0


def _may_be_this_report(path: Path, title: str) -> bool:
    """Whether the file that has this title's name is (or may be) the same report:
    then ``new`` refuses. A file that cannot be read may be it too."""
    fields = front_fields(path)
    return fields is None or not isinstance(fields.get("title"), str) or (
        " ".join(normalise(fields["title"]).split()) == " ".join(normalise(title).split()))


def free_slug(slug: str, used: set[str], path_of) -> str:
    """``slug`` if no report has it and ``path_of(slug)`` is free; else the first free
    ``slug-2``, ``slug-3``, ..."""
    candidate, number = slug, 2
    while candidate in used or path_of(candidate).exists():
        candidate, number = f"{slug}-{number}", number + 1
    return candidate


def used_slugs(content_dir: Path, config: SiteConfig) -> set[str]:
    slugs = set()
    for path in find_articles(content_dir):
        article, _problems = read_article_file(path, content_dir, config)
        slugs.add(article.slug if article else slug_from_filename(path.relative_to(content_dir).as_posix()))
    return slugs


def front_matter(title: str, moment: datetime, place: str, slug: str) -> str:
    """The front matter block; every value that came from the editor goes through safe_dump."""
    lines = [
        "---",
        _field("title", title),
        f"date: {moment:%Y-%m-%d %H:%M}",
        _with_note("author:", "作者，多人用顿号隔开：张三、李四"),
        _field("place", place) if place else _with_note("place:", "报道的乡镇、街道或村"),
        _with_note("tags: []", "例如 [疫情防控, 基层党建]"),
        _field("slug", slug),
        "draft: true", "---", "",
    ]
    return "\n".join(lines)


def _field(key: str, value: str) -> str:
    return yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=10_000).rstrip("\n")


def _with_note(line: str, note: str) -> str:
    """A YAML comment that tells the editor what goes there."""
    return f"{line:<24}# {note}"


def _fail(message: str, status: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status
