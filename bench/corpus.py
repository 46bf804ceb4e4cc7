"""Write a deterministic benchmark corpus of Chinese county news reports.

    python bench/corpus.py N DIR [--flavor digest|pelican|hugo]

The same N always gives the same reports, byte for byte, in every flavor:

- digest:  DIR is a content folder in our format (site.yaml, timeline.yaml,
           articles/YYYY/YYYY-MM-DD-SLUG.md with YAML front matter).
- pelican: DIR is a Pelican project (pelicanconf.py, content/articles/...,
           content/pages/timeline.md) using Pelican's Markdown metadata.
- hugo:    DIR is a Hugo site (config.toml, minimal layouts,
           content/posts/..., content/timeline.md) with YAML front matter.

Only the standard library is used; the text comes from the word lists below.
"""

import argparse
import datetime
import json
import os
import random
import re
import sys
from pathlib import Path

SEED = 20200130
SITE_TITLE = "县域新闻摘编"
SITE_DESCRIPTION = "各乡镇、街道通讯员发来的基层报道汇编。"
BASE_URL = "https://example.cn/digest/"
FIRST_DAY = datetime.date(2016, 1, 1)
LAST_DAY = datetime.date(2024, 12, 31)

PLACES = [
    ("驿马乡", "yima"), ("城关镇", "chengguan"), ("东风街道", "dongfeng"),
    ("西城街道", "xicheng"), ("南关镇", "nanguan"), ("北坪村", "beiping"),
    ("柳湾村", "liuwan"), ("石桥镇", "shiqiao"), ("白河乡", "baihe"),
    ("青山村", "qingshan"), ("梨花镇", "lihua"), ("杏园乡", "xingyuan"),
    ("大坪镇", "daping"), ("龙泉乡", "longquan"), ("桃源村", "taoyuan"),
    ("新华街道", "xinhua"), ("红旗村", "hongqi"), ("金沙镇", "jinsha"),
    ("松林乡", "songlin"), ("河东街道", "hedong"), ("下堡镇", "xiabao"),
    ("高阳镇", "gaoyang"), ("兑镇", "duizhen"), ("阳泉曲镇", "yangquanqu"),
    ("梧桐镇", "wutong"), ("柱濮镇", "zhupu"), ("杜村乡", "ducun"),
    ("南阳乡", "nanyang"), ("胜溪湖街道", "shengxihu"), ("振兴街道", "zhenxing"),
]

TAGS = [
    "疫情防控", "基层党建", "乡村振兴", "脱贫攻坚", "环境保护", "安全生产",
    "教育", "医疗卫生", "文化旅游", "农业生产", "招商引资", "交通建设",
    "水利工程", "民生实事", "社会治理", "志愿服务", "科技创新", "文明创建",
    "防汛抗旱", "森林防火", "就业创业", "养老服务", "食品安全", "营商环境",
    "体育健身", "非遗传承", "法治宣传", "扫黑除恶", "垃圾分类", "人居环境",
    "产业发展", "电商直播", "消费帮扶", "退役军人", "妇女儿童", "青年工作",
    "老旧小区改造", "道路交通安全", "冬季供暖", "春耕备耕",
]

AUTHORS = [
    "张世川", "赵泉", "李文静", "王建国", "刘晓燕", "陈志强", "杨丽华",
    "黄海涛", "周明", "吴雪梅", "徐立新", "孙红霞", "马俊", "朱建平",
    "胡晓东", "郭婷", "何军", "高峰", "林芳", "罗永刚",
]

TIMES = [
    "近日", "日前", "今年以来", "连日来", "本月初", "上周", "入冬以来",
    "春节前夕", "近年来", "目前", "截至目前", "与此同时", "据了解", "记者了解到",
]
SUBJECTS = [
    "乡党委", "镇政府", "村两委", "驻村工作队", "党员干部", "志愿者",
    "当地群众", "相关部门", "网格员", "卫生院医护人员", "企业负责人",
    "合作社社员", "社区工作者", "退役军人", "乡村教师", "种植大户",
    "派出所民警", "县农业农村局", "县住建局", "县文旅局",
]
VERBS = [
    "积极开展", "认真落实", "扎实推进", "全面部署", "深入排查", "集中整治",
    "广泛宣传", "持续加强", "有序组织", "主动对接", "精心谋划", "统筹推进",
    "细化落实", "大力发展", "不断完善",
]
OBJECTS = [
    "疫情防控工作", "人居环境整治", "安全隐患排查", "春耕生产", "农村道路建设",
    "产业结构调整", "便民服务", "政策宣讲活动", "困难群众帮扶", "村容村貌提升",
    "基础设施建设", "文明实践活动", "技能培训", "森林防火巡查", "防汛准备工作",
    "农产品销售", "特色产业培育", "矛盾纠纷化解", "垃圾分类宣传", "饮水安全工程",
]
RESULTS = [
    "取得了明显成效", "受到群众普遍好评", "为全年工作打下坚实基础",
    "切实保障了群众生命财产安全", "有效提升了群众的获得感和幸福感",
    "确保各项措施落到实处", "形成了齐抓共管的良好局面", "营造了浓厚的社会氛围",
    "进一步增强了基层治理能力", "推动工作再上新台阶",
]
FIGURES = [
    "共出动人员{}人次", "累计投入资金{}万元", "覆盖农户{}户", "发放宣传资料{}余份",
    "排查隐患{}处", "新增就业岗位{}个", "走访群众{}户", "举办培训班{}期",
]
QUOTES = [
    "现在路修好了，出门方便多了", "干部天天来村里，我们心里踏实",
    "今年的收成比去年好，日子越过越有奔头", "有困难找网格员，一个电话就到",
    "这些政策实实在在，说到了我们心坎上", "我们一定把这件事办好，让群众满意",
]
SPEAKERS = ["村民", "党支部书记", "乡长", "镇党委书记", "合作社理事长", "志愿者", "老党员"]
HEADINGS = [
    "高位推动 压实责任", "多措并举 精准施策", "党员带头 群众参与",
    "立足实际 创新方法", "强化保障 久久为功", "基本情况", "主要做法",
    "取得成效", "存在问题", "下一步工作打算",
]
TITLE_PHRASES = [
    "党旗飘扬第一线", "党群齐心战疫情", "小村庄迎来大变化", "产业兴旺促增收",
    "真情帮扶暖人心", "绿水青山入画来", "一条路带富一方人", "志愿服务暖民心",
    "春耕备耕正当时", "守护一方平安", "网格织密服务网", "文明新风进万家",
]


def yaml_str(text):
    """Quote text as a YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def plan_articles(n):
    """Return the metadata of the n reports: the same list for the same n."""
    rng = random.Random(SEED)
    days = (LAST_DAY - FIRST_DAY).days
    articles = []
    for i in range(n):
        place, pinyin = rng.choice(PLACES)
        day = FIRST_DAY + datetime.timedelta(days=rng.randrange(days + 1))
        when = datetime.datetime(day.year, day.month, day.day)
        if rng.random() < 0.9:
            when = when.replace(hour=rng.randint(7, 21), minute=rng.randrange(60))
        slug = f"{pinyin}-{i + 1:05d}"
        if rng.random() < 0.5:
            title = f"{place}：{' '.join(rng.sample(TITLE_PHRASES, 2))}"
        else:
            title = f"{place}{rng.choice(VERBS)}{rng.choice(OBJECTS)}"
        authors = rng.sample(AUTHORS, 2 if rng.random() < 0.15 else 1)
        articles.append({
            "index": i,
            "slug": slug,
            "title": title,
            "when": when,
            "has_time": when.hour != 0 or when.minute != 0,
            "authors": authors,
            "place": place if rng.random() < 0.95 else None,
            "tags": rng.sample(TAGS, rng.randint(1, 4)),
            "summary": sentence(rng, place) if rng.random() < 0.4 else None,
            "path": f"{day.year}/{day.isoformat()}-{slug}.md",
        })
    return articles


def sentence(rng, place):
    """Return one plausible report sentence."""
    form = rng.randrange(6)
    if form == 0:
        return (f"{rng.choice(TIMES)}，{place}{rng.choice(SUBJECTS)}{rng.choice(VERBS)}"
                f"{rng.choice(OBJECTS)}，{rng.choice(RESULTS)}。")
    if form == 1:
        figure = rng.choice(FIGURES).format(rng.randint(3, 5000))
        return (f"{rng.choice(SUBJECTS)}{rng.choice(VERBS)}{rng.choice(OBJECTS)}，"
                f"{figure}，{rng.choice(RESULTS)}。")
    if form == 2:
        return f"“{rng.choice(QUOTES)}。”{rng.choice(SPEAKERS)}{rng.choice(AUTHORS)}说。"
    if form == 3:
        return f"{rng.choice(SUBJECTS)}表示，下一步将{rng.choice(VERBS)}{rng.choice(OBJECTS)}，{rng.choice(RESULTS)}。"
    if form == 4:
        return f"{rng.choice(TIMES)}，记者走进{place}，看到{rng.choice(OBJECTS)}正有条不紊地进行。"
    return (f"据{place}负责人介绍，{rng.choice(OBJECTS)}已完成{rng.randint(40, 100)}%，"
            f"{rng.choice(RESULTS)}。")


def link_target(rng, article, articles, flavor):
    """Return the Markdown target of a link from article to a random other report."""
    other = articles[rng.randrange(len(articles) - 1)]
    if other is article:
        other = articles[-1]
    if flavor == "hugo":
        return other, f"{BASE_URL}articles/{other['slug']}/"
    folder = os.path.dirname(article["path"])
    rel = os.path.relpath(other["path"], folder).replace(os.sep, "/")
    return other, ("{filename}" + rel if flavor == "pelican" else rel)


def paragraph(rng, article, articles, flavor, budget):
    """Return a paragraph of about budget characters, sometimes with a link or bold."""
    place = article["place"] or "我县"
    parts = []
    while sum(map(len, parts)) < budget:
        parts.append(sentence(rng, place))
    if rng.random() < 0.25:
        k = rng.randrange(len(parts))
        parts[k] = f"**{parts[k][:-1]}**。"
    if len(articles) > 1 and rng.random() < 0.3:
        other, href = link_target(rng, article, articles, flavor)
        parts.append(f"此前，[{other['title']}]({href})一文曾作报道。")
    return "".join(parts)


def bullet_list(rng, place):
    """Return a Markdown bullet or numbered list."""
    numbered = rng.random() < 0.4
    lines = []
    for k in range(rng.randint(3, 6)):
        mark = f"{k + 1}." if numbered else "-"
        lines.append(f"{mark} {place}{rng.choice(VERBS)}{rng.choice(OBJECTS)}，{rng.choice(RESULTS)}。")
    return "\n".join(lines)


def table(rng):
    """Return a small Markdown table of work items."""
    rows = ["| 项目 | 数量 | 完成率 |", "| --- | ---: | ---: |"]
    for item in rng.sample(OBJECTS, rng.randint(3, 6)):
        rows.append(f"| {item} | {rng.randint(1, 900)} | {rng.randint(30, 100)}% |")
    return "\n".join(rows)


def text_length(blocks):
    """Return the length of the blocks without link targets (the same in every flavor)."""
    return sum(len(re.sub(r"\]\([^)]*\)", "]", block)) for block in blocks)


def body(article, articles, flavor):
    """Return the Markdown body of an article: 800-3000 characters of prose."""
    rng = random.Random(SEED * 100003 + article["index"])
    place = article["place"] or "我县"
    length = rng.randint(900, 2900)
    blocks = []
    has_table = rng.random() < 0.3
    headings = rng.sample(HEADINGS, len(HEADINGS))
    while text_length(blocks) < length:
        if blocks and rng.random() < 0.3 and headings:
            blocks.append("## " + headings.pop())
        budget = max(40, min(rng.randint(80, 300), length - text_length(blocks)))
        blocks.append(paragraph(rng, article, articles, flavor, budget))
        if rng.random() < 0.15:
            blocks.append(bullet_list(rng, place))
        if has_table and rng.random() < 0.3:
            blocks.append(table(rng))
            has_table = False
    if len(articles) > 1:
        other, href = link_target(rng, article, articles, flavor)
        blocks.append(f"相关报道：[{other['title']}]({href})")
    return "\n\n".join(blocks) + "\n"


def date_text(article):
    """Return the article date as 'YYYY-MM-DD HH:MM', or the bare date."""
    fmt = "%Y-%m-%d %H:%M" if article["has_time"] else "%Y-%m-%d"
    return article["when"].strftime(fmt)


def digest_front_matter(a):
    """Return our YAML front matter for an article."""
    author = a["authors"][0] if len(a["authors"]) == 1 else a["authors"]
    lines = ["---", f"title: {yaml_str(a['title'])}", f"date: {date_text(a)}",
             f"author: {json.dumps(author, ensure_ascii=False)}"]
    if a["place"]:
        lines.append(f"place: {a['place']}")
    lines.append(f"tags: {json.dumps(a['tags'], ensure_ascii=False)}")
    if a["summary"]:
        lines.append(f"summary: {yaml_str(a['summary'])}")
    return "\n".join(lines + ["---", ""])


def pelican_metadata(a):
    """Return Pelican's Markdown metadata block for an article."""
    lines = [f"Title: {a['title']}", f"Date: {date_text(a)}"]
    if len(a["authors"]) == 1:
        lines.append(f"Author: {a['authors'][0]}")
    else:
        lines.append(f"Authors: {', '.join(a['authors'])}")
    if a["place"]:
        lines.append(f"Category: {a['place']}")
    lines += [f"Tags: {', '.join(a['tags'])}", f"Slug: {a['slug']}"]
    if a["summary"]:
        lines.append(f"Summary: {a['summary']}")
    return "\n".join(lines) + "\n\n"


def hugo_front_matter(a):
    """Return Hugo-style YAML front matter for an article."""
    when = a["when"].strftime("%Y-%m-%dT%H:%M:%S+08:00")
    lines = ["---", f"title: {yaml_str(a['title'])}", f"date: {when}",
             f"slug: {a['slug']}",
             f"authors: {json.dumps(a['authors'], ensure_ascii=False)}"]
    if a["place"]:
        lines.append(f"categories: {json.dumps([a['place']], ensure_ascii=False)}")
    lines.append(f"tags: {json.dumps(a['tags'], ensure_ascii=False)}")
    if a["summary"]:
        lines.append(f"summary: {yaml_str(a['summary'])}")
    return "\n".join(lines + ["---", ""])


def plan_timeline(articles):
    """Return about len/20 timeline events, each reporting on one article, oldest first."""
    rng = random.Random(SEED + 1)
    events = []
    for a in rng.sample(articles, max(1, len(articles) // 20)):
        day = a["when"].date() - datetime.timedelta(days=rng.randint(0, 2))
        place = a["place"] or "我县"
        event = {"date": day, "title": f"{place}{rng.choice(VERBS)}{rng.choice(OBJECTS)}",
                 "place": a["place"], "article": a, "detail": None}
        if rng.random() < 0.3:
            event["detail"] = f"{rng.choice(SUBJECTS)}参加，{rng.choice(RESULTS)}。"
        events.append(event)
    events.sort(key=lambda e: (e["date"], e["article"]["index"]))
    return events


def write(path, text):
    """Write text as UTF-8 with LF line endings, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_digest(root, articles, events):
    """Write the corpus as our content folder."""
    write(root / "site.yaml", "\n".join([
        f"title: {yaml_str(SITE_TITLE)}", f"description: {yaml_str(SITE_DESCRIPTION)}",
        f"base_url: {BASE_URL}", "language: zh-CN", "timezone: Asia/Shanghai", ""]))
    lines = []
    for e in events:
        lines += [f"- date: {e['date'].isoformat()}", f"  title: {yaml_str(e['title'])}"]
        if e["place"]:
            lines.append(f"  place: {e['place']}")
        lines.append(f"  article: {e['article']['slug']}")
        if e["detail"]:
            lines.append(f"  detail: {yaml_str(e['detail'])}")
    write(root / "timeline.yaml", "\n".join(lines) + "\n")
    for a in articles:
        write(root / "articles" / a["path"], digest_front_matter(a) + body(a, articles, "digest"))


def timeline_markdown(events, link):
    """Return the timeline as a Markdown list; link(article) gives each event's target."""
    lines = []
    for e in events:
        place = f"（{e['place']}）" if e["place"] else ""
        detail = f" {e['detail']}" if e["detail"] else ""
        lines.append(f"- {e['date'].isoformat()} [{e['title']}]({link(e['article'])}){place}{detail}")
    return "\n".join(lines) + "\n"


PELICAN_CONF = '''\
# Pelican settings for the benchmark corpus (written by bench/corpus.py).
SITENAME = {title}
SITEURL = "{url}"
RELATIVE_URLS = False
PATH = "content"
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
USE_FOLDER_AS_CATEGORY = False
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh-CN"
ARTICLE_URL = "articles/{{slug}}/"
ARTICLE_SAVE_AS = "articles/{{slug}}/index.html"
PAGE_URL = "{{slug}}/"
PAGE_SAVE_AS = "{{slug}}/index.html"
# Feeds: Pelican's defaults (all-Atom, per-category Atom, per-author feeds) plus all-RSS.
FEED_ALL_RSS = "feeds/all.rss.xml"
# Same page size as the Hugo site; Pelican's own default is no pagination at all.
DEFAULT_PAGINATION = 20
# No content cache: every build is a full build (these are Pelican's defaults).
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
'''


def write_pelican(root, articles, events):
    """Write the corpus as a Pelican project (default theme)."""
    write(root / "pelicanconf.py", PELICAN_CONF.format(title=yaml_str(SITE_TITLE), url=BASE_URL.rstrip("/")))
    content = root / "content"
    for a in articles:
        write(content / "articles" / a["path"], pelican_metadata(a) + body(a, articles, "pelican"))
    page = "Title: 大事记\nSlug: timeline\n\n"
    page += timeline_markdown(events, lambda a: "{filename}../articles/" + a["path"])
    write(content / "pages" / "timeline.md", page)


HUGO_CONFIG = '''\
baseURL = "{url}"
languageCode = "zh-CN"
title = {title}
timeZone = "Asia/Shanghai"
hasCJKLanguage = true
paginate = 20

[permalinks]
  posts = "/articles/:slug/"

[taxonomies]
  tag = "tags"
  category = "categories"
'''

HUGO_LAYOUTS = {
    "_default/baseof.html": '''\
<!DOCTYPE html>
<html lang="{{ .Site.LanguageCode }}">
<head>
<meta charset="utf-8">
<title>{{ if not .IsHome }}{{ .Title }} - {{ end }}{{ .Site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .Permalink }}">{{ end }}
</head>
<body>
<header><a href="{{ .Site.BaseURL }}">{{ .Site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
''',
    "_default/single.html": '''\
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p>{{ .Date.Format "2006-01-02 15:04" }} {{ delimit (.Params.authors | default slice) "、" }}
{{ range .GetTerms "categories" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}</p>
{{ .Content }}
<p>{{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
</article>
{{ end }}
''',
    "_default/list.html": '''\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>
{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ .Date.Format "2006-01-02" }}<p>{{ .Summary }}</p></li>
{{ end }}
</ul>
{{ template "_internal/pagination.html" . }}
{{ end }}
''',
    "index.html": '''\
{{ define "main" }}
<ul>
{{ range (.Paginate .Site.RegularPages).Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}<p>{{ .Summary }}</p></li>
{{ end }}
</ul>
{{ template "_internal/pagination.html" . }}
{{ end }}
''',
    "404.html": '''\
{{ define "main" }}<h1>404</h1><p><a href="{{ .Site.BaseURL }}">{{ .Site.Title }}</a></p>{{ end }}
''',
}


def write_hugo(root, articles, events):
    """Write the corpus as a Hugo site with minimal layouts (RSS and sitemap are Hugo defaults)."""
    write(root / "config.toml", HUGO_CONFIG.format(url=BASE_URL, title=yaml_str(SITE_TITLE)))
    for name, text in HUGO_LAYOUTS.items():
        write(root / "layouts" / name, text)
    content = root / "content"
    for a in articles:
        write(content / "posts" / a["path"], hugo_front_matter(a) + body(a, articles, "hugo"))
    page = '---\ntitle: "大事记"\nurl: /timeline/\n---\n'
    page += timeline_markdown(events, lambda a: f"{BASE_URL}articles/{a['slug']}/")
    write(content / "timeline.md", page)


WRITERS = {"digest": write_digest, "pelican": write_pelican, "hugo": write_hugo}


def generate(n, root, flavor="digest"):
    """Write an n-report corpus of the given flavor into the folder root (new or empty)."""
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise SystemExit(f"corpus.py: {root} is not empty; remove it first")
    articles = plan_articles(n)
    WRITERS[flavor](root, articles, plan_timeline(articles))


def main():
    """Parse the command line and write the corpus."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of reports")
    parser.add_argument("dir", help="folder to write (must be new or empty)")
    parser.add_argument("--flavor", choices=sorted(WRITERS), default="digest")
    args = parser.parse_args()
    if args.n < 1:
        parser.error("N must be at least 1")
    generate(args.n, args.dir, args.flavor)


if __name__ == "__main__":
    sys.exit(main())
