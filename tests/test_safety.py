"""No script a correspondent pastes runs on the site or in a feed reader.

The usual payloads go into every place an editor can write: titles, bodies,
summaries, captions, credits, authors, tags, places, timeline titles, places
and details, and the site's own title. After a real build, every HTML page
and every feed is parsed, and nothing in them may run: no script but our
own, no ``on*=`` handler, no ``javascript:``/``vbscript:``/``data:`` URL, no
frame but the allowed host's, no object, embed, base or refresh.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import sync_playwright
from PIL import Image

from conftest import CHROMIUM, CHROMIUM_ARGS, PAYLOADS, run_build, serving, write_content

TEXT_PAYLOADS = [
    "<script>alert('t')</script>",
    "\"><img src=x onerror=alert('t')>",
    "</script><script>alert('t')</script>",
    "<svg onload=alert('t')>",
    "javascript:alert('t')",
    "' onmouseover='alert(1)",
]
ALLOWED_HOST = "player.example.cn"
OUR_SCRIPTS = ("static/search.js", "__preview__/reload.js")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "poster", "data", "srcset", "xlink:href")


def quoted(text: str) -> str:
    """A YAML value that carries ``text`` exactly, whatever its quotes and brackets."""
    return json.dumps(text, ensure_ascii=False)


def hostile_content(root: Path) -> Path:
    one = TEXT_PAYLOADS
    fields = {
        "author": quoted(one[1]), "place": quoted(one[0]), "summary": quoted(one[1] + one[0]),
        "tags": "[" + ", ".join(quoted(p) for p in one) + "]",
        "photos": f"\n  - src: media/a.jpg\n    caption: {quoted(one[2])}\n    credit: {quoted(one[3])}",
    }
    front = f"title: {quoted(one[0] + '标题' + one[1])}\ndate: 2020-01-30\n" + "".join(f"{k}: {v}\n" for k, v in fields.items())
    body = "正文开头。\n\n" + "\n\n".join(PAYLOADS) + f'\n\n<iframe src="https://{ALLOWED_HOST}/v/1"></iframe>\n\n正文结尾。\n'
    plain = f"title: {quoted(one[4])}\ndate: 2020-01-31\nplace: {quoted(one[5])}\n"
    timeline = (
        f"- date: 2020-01-26\n  title: {quoted(one[0])}\n  place: {quoted(one[1])}\n  article: hostile\n"
        f"  detail: {quoted(chr(10).join(PAYLOADS))}\n"
        f"- date: 2020-01-27\n  title: {quoted(one[2])}\n  detail: {quoted(one[3] + one[0])}\n"
    )
    content = write_content(root, {"hostile.md": f"---\n{front}---\n{body}", "plain.md": f"---\n{plain}---\n{body}"},
                            timeline=timeline,
                            site=f"title: {quoted(one[0] + '孝义')}\ndescription: {quoted(one[1])}\n"
                                 f"base_url: https://example.cn/\nallow_iframe_hosts: [{ALLOWED_HOST}]\n")
    (content / "media").mkdir()
    Image.new("RGB", (64, 48), "red").save(content / "media" / "a.jpg")
    return content


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    output = root / "output"
    result = run_build("--content", str(hostile_content(root)), "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return output


def live_parts(soup: BeautifulSoup) -> list[str]:
    """Whatever in a parsed page could run, send the reader elsewhere, or load a page unasked."""
    found = []
    for tag in soup.find_all(True):
        name = tag.name.lower()
        if name == "script" and not is_our_script(tag):
            found.append(f"script {tag}")
        if name in ("object", "embed", "applet", "base", "frame", "frameset", "svg", "math", "style", "link") and not is_our_link(tag):
            found.append(str(tag)[:80])
        if name == "meta" and (tag.get("http-equiv", "").lower() == "refresh" or is_url_meta(tag)):
            found.append(str(tag))
        if name == "iframe" and not str(tag.get("src", "")).startswith(f"https://{ALLOWED_HOST}/"):
            found.append(str(tag))
        if name == "form" and not str(tag.get("action", "")).rstrip("/").endswith(("search", ".")):
            found.append(str(tag))
        for attribute, value in tag.attrs.items():
            if attribute.lower().startswith("on") or attribute.lower() in ("srcdoc", "formaction"):
                found.append(f"{name}[{attribute}]")
            if attribute.lower() in URL_ATTRIBUTES:
                url = "".join(str(value).split()).lower()
                if url.startswith(("javascript:", "vbscript:", "data:")) or "javascript:" in url.split(";url=")[-1]:
                    found.append(f"{name}[{attribute}]={url[:40]}")
    return found


def is_url_meta(tag) -> bool:
    """og:url, og:image and the like: a link that is not https is not ours."""
    kind = str(tag.get("property") or tag.get("name") or "")
    return kind.endswith((":url", ":image")) and not str(tag.get("content", "")).startswith("https://")


def is_our_script(tag) -> bool:
    if tag.get("type") == "application/ld+json":
        json.loads(tag.string)  # data, not code: it must be whole JSON that no title ended early
        return True
    return str(tag.get("src", "")).endswith(OUR_SCRIPTS) or "pagefind/" in str(tag.get("src", ""))


def is_our_link(tag) -> bool:
    return tag.name == "link" and tag.get("rel") and not str(tag.get("href", "")).lower().startswith(("javascript:", "data:"))


def test_the_payloads_really_reached_the_pages(hostile_site):
    page = (hostile_site / "articles" / "hostile" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;标题" in page  # the title is shown, as text
    assert "正文开头" in page and "正文结尾" in page


def test_no_page_has_anything_live(hostile_site):
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert live_parts(soup) == [], page.relative_to(hostile_site)


def test_the_allowed_iframe_survives(hostile_site):
    soup = BeautifulSoup((hostile_site / "articles" / "hostile" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert [tag["src"] for tag in soup.find_all("iframe")] == [f"https://{ALLOWED_HOST}/v/1"]


def feed_html_parts(feed: Path) -> list[str]:
    """The parts of a feed that readers show as HTML (a channel's description is plain text)."""
    soup = BeautifulSoup(feed.read_text(encoding="utf-8"), "xml")
    parts = [node.text for item in soup.find_all("item") for node in item.find_all(["description", "encoded"])]
    parts += [node.text for node in soup.find_all(["content", "summary", "title", "subtitle"]) if node.get("type") in ("html", "xhtml")]
    return parts


def test_no_feed_has_anything_live(hostile_site):
    report_feeds = [hostile_site / "feed.xml", hostile_site / "atom.xml", *hostile_site.glob("places/*/feed.xml"),
                    *hostile_site.glob("tags/*/feed.xml")]
    assert len(report_feeds) >= 10
    for feed in [*report_feeds, hostile_site / "timeline" / "feed.xml"]:
        parts = feed_html_parts(feed)
        # a feed with entries shows a report's text or an event's detail (a place only an event names has none)
        if feed in report_feeds:
            assert not parts or any("正文开头" in part for part in parts), feed
        else:
            assert len(parts) == 2
        for part in parts:
            assert live_parts(BeautifulSoup(part, "html.parser")) == [], (feed.name, part[:200])


def test_timeline_details_are_cleaned(hostile_site):
    soup = BeautifulSoup((hostile_site / "timeline" / "index.html").read_text(encoding="utf-8"), "html.parser")
    details = soup.select(".detail")
    assert len(details) == 2 and "前文" not in details[0].text
    assert live_parts(soup) == []


def test_no_script_from_the_content_runs_in_a_real_browser(hostile_site):
    """Every page of the hostile site loaded in Chromium: no dialog may open (the payloads
    call alert), and no page may carry a payload's marker into the window."""
    pages = sorted(path.relative_to(hostile_site).as_posix() for path in hostile_site.rglob("*.html"))
    dialogs: list[str] = []
    with serving(hostile_site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(f"{page.url}: {dialog.message}"), dialog.dismiss()))
            for path in pages:
                page.goto(url + path, wait_until="load")
                page.wait_for_timeout(50)  # an onload or onerror handler fires right after
        finally:
            browser.close()
    assert len(pages) > 10
    assert dialogs == []
