"""The built sample site in a real browser: Debian's Chromium driven by Playwright.

The sample site is built once per session (``sample_site`` in conftest.py) and
served on 127.0.0.1 by a small threaded HTTP server, as a reader's browser
would get it. axe-core comes from ``node_modules`` (``npm ci``); without it
these tests fail rather than skip, so CI cannot go green without the checks.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import CHROMIUM, CHROMIUM_ARGS, SAMPLE_CONTENT, SEARCH_ANSWERED, article_text, serving, write_content
from digest import search
from digest.builder import Theme, build
from digest.loading import BuildOptions

PROJECT = Path(__file__).resolve().parent.parent
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
ARTICLE_WITH_PHOTOS = "articles/xiaoyi-overview/"
PLACE = "驿马乡"
SEARCH_TERMS = ["卡口", "口罩", "任刚", "柱濮", "红白喜事", "任刚 红白喜事", "刚任", "喜事"]
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="session")
def base_url(sample_site: Path):
    """The built sample site served over HTTP, as a browser gets it."""
    with serving(sample_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Browser:
    """Module-scoped: Playwright's sync API allows one instance per thread, and other
    test modules start their own, so this one must be gone before they run."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(PROJECT)} is missing: run `npm ci` in {PROJECT} to install axe-core")
    return AXE


@pytest.fixture(scope="session")
def place_url(sample_site: Path) -> str:
    """The place page of 驿马乡, as the article page links to it."""
    soup = BeautifulSoup((sample_site / "articles/yima/index.html").read_text(encoding="utf-8"), "html.parser")
    link = soup.select_one(".report .place a")
    assert link is not None and link.get_text() == PLACE
    return urlsplit(link["href"]).path.removeprefix("../../")


@pytest.fixture(scope="session")
def report_texts(sample_site: Path) -> dict[str, str]:
    """What a reader sees of each report, by URL (without the hidden search copy)."""
    texts = {}
    for path in sorted(sample_site.glob("articles/*/index.html")):
        report = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").select_one("article.report")
        for hidden in report.select("[hidden]"):
            hidden.decompose()
        texts[f"articles/{path.parent.name}/"] = re.sub(r"\s+", "", report.get_text())
    return texts


def main_pages(place_url: str) -> dict[str, str]:
    return {
        "front": "",
        "article": ARTICLE_WITH_PHOTOS,
        "timeline": "timeline/",
        "place": place_url,
        "search": "search/?q=" + quote("口罩"),
    }


PAGE_NAMES = ["front", "article", "timeline", "place", "search"]


def open_page(browser: Browser, url: str, **context_options) -> Page:
    page = browser.new_context(**context_options).new_page()
    page.goto(url, wait_until="load")
    if "/search/" in url:
        wait_for_search(page)
    return page


def wait_for_search(page: Page) -> None:
    """Wait until the search page has answered (found something or not)."""
    page.wait_for_function(SEARCH_ANSWERED, timeout=15000)


def close(page: Page) -> None:
    page.context.close()


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_has_no_console_errors_or_failed_requests(browser, base_url, place_url, name):
    context = browser.new_context()
    page = context.new_page()
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url} {request.failure}"))
    page.on("response", lambda response: response.status >= 400 and problems.append(f"{response.status}: {response.url}"))
    page.goto(base_url + main_pages(place_url)[name], wait_until="load")
    if name == "search":
        wait_for_search(page)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # lazy photos load too
    page.wait_for_load_state("networkidle")
    context.close()
    assert problems == []


AXE_RUN = """async () => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag22aa"]}});
    return result.violations.map(v => `${v.id}: ${v.help} at ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_axe_finds_no_wcag_a_or_aa_violations(browser, base_url, place_url, axe_source, name, scheme):
    page = open_page(browser, base_url + main_pages(place_url)[name], color_scheme=scheme)
    violations = axe_violations(page, axe_source)
    close(page)
    assert violations == []


def axe_violations(page: Page, axe_source: Path) -> list[str]:
    """What axe-core finds against WCAG 2 A and AA, with WCAG 2.2's target size
    (24×24 CSS px, off by default in axe) turned on."""
    page.add_script_tag(path=str(axe_source))
    return page.evaluate(AXE_RUN)


NEWSROOM_PAGES = ["articles/wutong-square/", "articles/wutong-bridge/", "corrections/"]  # corrected, retracted


@pytest.fixture(scope="session")
def newsroom_url(newsroom_site: Path):
    with serving(newsroom_site) as url:
        yield url


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", NEWSROOM_PAGES)
def test_axe_finds_no_violations_in_corrections_and_retractions(browser, newsroom_url, axe_source, path, scheme):
    page = open_page(browser, newsroom_url + path, color_scheme=scheme)
    violations = axe_violations(page, axe_source)
    close(page)
    assert violations == []


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_no_page_scrolls_sideways_on_a_phone_or_at_400_percent_zoom(browser, base_url, place_url, name):
    """375 px is a phone; 320 px is a 1280 px screen zoomed to 400% (WCAG reflow)."""
    widths = {}
    for width in (375, 320):
        page = open_page(browser, base_url + main_pages(place_url)[name], viewport={"width": width, "height": 800})
        widths[width] = page.evaluate("[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
        close(page)
    assert all(scroll <= client for scroll, client in widths.values()), widths


def search_results(page: Page) -> list[dict]:
    return page.evaluate(
        """() => [...document.querySelectorAll('#search-results > li')].map(li => ({
            href: li.querySelector('h2 a').getAttribute('href'),
            title: li.querySelector('h2 a').textContent,
            date: li.querySelector('.meta time')?.textContent || '',
            place: li.querySelector('.meta .place')?.textContent || '',
            excerpt: li.querySelector('.excerpt').innerHTML,
        }))"""
    )


def test_search_finds_the_reports_of_every_shard_of_the_archive(browser, tmp_path, monkeypatch):
    """A big archive is indexed in shards that the search page merges: a term
    must be found in all of them, with no error in the console."""
    monkeypatch.setattr(search, "SHARD_SIZE", 2)
    reports = {f"{year}/{year}-{month:02d}-01-r{year}-{month}.md":
               article_text(f"{year}年{month}月的报道", f"{year}-{month:02d}-01", body=f"驿马乡卡口，{year}年{month}月。")
               for year in (2019, 2020) for month in (1, 4, 7, 10)}
    reports["2020/2020-12-01-other.md"] = article_text("别的报道", "2020-12-01", body="没有那个词。")
    output = tmp_path / "output"
    build(BuildOptions(content_dir=write_content(tmp_path, reports), output_dir=output), Theme())
    assert sorted(p.name for p in (output / "pagefind").iterdir()) == [
        "2019-01", "2019-07", "2020-01", "2020-05", "2020-09"]
    with serving(output) as url:
        page = browser.new_context().new_page()
        problems = []
        page.on("console", lambda message: message.type == "error" and problems.append(message.text))
        page.on("response", lambda response: response.status >= 400 and problems.append(response.url))
        page.goto(url + "search/?q=" + quote("卡口"), wait_until="load")
        wait_for_search(page)
        found = {result["href"] for result in search_results(page)}
        close(page)
    assert len(found) == 8 and not any("other" in href for href in found)
    assert not problems


def test_search_for_mask_shows_the_reports_that_mention_it(browser, base_url, report_texts):
    page = open_page(browser, base_url + "search/?q=" + quote("口罩"))
    results = search_results(page)
    close(page)
    expected = {url for url, text in report_texts.items() if "口罩" in text}
    assert expected
    assert {"articles/" + r["href"].split("articles/")[1] for r in results} == expected
    for result in results:
        assert result["title"] and re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日( \d\d:\d\d)?", result["date"])
        assert result["place"], result
        assert "<mark>口罩</mark>" in result["excerpt"]
        assert not re.search(r"\s(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])\s", result["excerpt"]), result["excerpt"]


@pytest.mark.parametrize("query", SEARCH_TERMS)
def test_search_finds_exactly_the_reports_that_contain_every_term(browser, base_url, report_texts, query):
    """Pagefind's jieba index and the browser's segmenter disagree on words like
    红白喜事; searching one character per word must still find exactly the
    reports whose text contains the term (and, for several terms, all of them)."""
    page = open_page(browser, base_url + "search/?q=" + quote(query))
    hrefs = [r["href"] for r in search_results(page)]
    close(page)
    expected = {url for url, text in report_texts.items() if all(term in text for term in query.split())}
    found = {"articles/" + href.split("articles/")[1] for href in hrefs}
    assert found == expected, f"search/?q={query}"


def photo_requests(browser: Browser, base_url: str, viewport: dict) -> tuple[str, list[str]]:
    """Which file of the first photo the browser chose, and every image it fetched."""
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    requested = []
    page.on("request", lambda request: request.resource_type == "image" and requested.append(request.url))
    page.goto(base_url + ARTICLE_WITH_PHOTOS, wait_until="load")
    page.wait_for_function("() => document.querySelector('.photo img').complete")
    chosen = page.evaluate("document.querySelector('.photo img').currentSrc")
    context.close()
    return chosen, requested


def test_a_phone_loads_the_small_webp_and_a_desktop_a_larger_one(browser, base_url):
    chosen, requested = photo_requests(browser, base_url, PHONE)
    first = [url for url in requested if "/media/xiaoxi-station." in url]
    assert chosen.endswith("/media/xiaoxi-station.480w.webp")
    assert first == [chosen]
    chosen, _ = photo_requests(browser, base_url, {"width": 1280, "height": 900})
    assert chosen.endswith("/media/xiaoxi-station.960w.webp")


def test_a_phone_loads_the_small_webp_of_an_image_in_the_text(browser, base_url):
    page = open_page(browser, base_url + ARTICLE_WITH_PHOTOS, viewport=PHONE, device_scale_factor=1)
    page.locator(".body picture img").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.body picture img').complete")
    chosen = page.evaluate("document.querySelector('.body picture img').currentSrc")
    close(page)
    assert chosen.endswith("/media/xiaoyi-timeline.480w.webp")


def test_photos_are_lazy_below_the_fold_and_do_not_shift_the_layout(browser, base_url):
    page = open_page(browser, base_url + ARTICLE_WITH_PHOTOS, viewport=PHONE)
    images = page.evaluate(
        "[...document.querySelectorAll('.photo img, .body img')].map(i => [i.getAttribute('loading'), i.width, i.height])"
    )
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    shift = page.evaluate(
        """() => new Promise(resolve => {
            new PerformanceObserver(list => resolve(list.getEntries().reduce((sum, e) => sum + e.value, 0)))
                .observe({type: "layout-shift", buffered: true});
            setTimeout(() => resolve(0), 500);
        })"""
    )
    close(page)
    assert [loading for loading, *_ in images] == [None] + ["lazy"] * (len(images) - 1)
    assert all(width > 0 and height > 0 for _, width, height in images)
    assert shift == 0


def test_without_javascript_the_search_box_leads_to_a_page_that_says_why(browser, base_url):
    page = open_page(browser, base_url, java_script_enabled=False)
    page.fill("#site-search", "口罩")
    page.press("#site-search", "Enter")
    page.wait_for_load_state("load")
    assert urlsplit(page.url).path.endswith("/search/")
    assert unquote(urlsplit(page.url).query) == "q=口罩"
    text = page.inner_text("main")
    form_visible = page.is_visible("#search-form")
    close(page)
    assert "JavaScript" in text and "没有搜索服务器" in text
    assert not form_visible


def test_a_report_prints_on_a4_with_byline_date_and_photo_credits(browser, base_url):
    page = open_page(browser, base_url + "articles/yima/")
    page.emulate_media(media="print")
    shown = page.evaluate(
        """() => Object.fromEntries(['.report h1', '.report .meta time', '.report .byline', '.report .place',
            '.photo img', '.photo .credit', '.masthead nav', '.search-box', '.site-footer', '.neighbours']
            .map(s => [s, getComputedStyle(document.querySelector(s)).display !== 'none'
                          && document.querySelector(s).getClientRects().length > 0]))"""
    )
    pdf = page.pdf(prefer_css_page_size=True)
    close(page)
    assert shown == {
        ".report h1": True, ".report .meta time": True, ".report .byline": True, ".report .place": True,
        ".photo img": True, ".photo .credit": True,
        ".masthead nav": False, ".search-box": False, ".site-footer": False, ".neighbours": False,
    }
    sizes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf))
    assert sizes and all(abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in sizes), sizes


@pytest.fixture(scope="module")
def paged_url(tmp_path_factory):
    """The sample content with two reports a page, so that lists have a second page, served."""
    content = tmp_path_factory.mktemp("paged") / "content"
    shutil.copytree(SAMPLE_CONTENT, content)
    site_yaml = content / "site.yaml"
    site_yaml.write_text(re.sub(r"(?m)^per_page:.*$", "per_page: 2", site_yaml.read_text(encoding="utf-8")),
                         encoding="utf-8")
    output = content.parent / "output"
    build(BuildOptions(content_dir=content, output_dir=output), Theme())
    assert (output / "tags/yi-qing-fang-kong/page/2/index.html").is_file()
    with serving(output) as url:
        yield url


NEW_PAGES = {
    "front with its lead": "",
    "a figure in the text": ARTICLE_WITH_PHOTOS,
    "the timeline at an event's anchor": "timeline/",
    "a tag page's second page": "tags/yi-qing-fang-kong/page/2/",
    "an author page": "authors/zhang-shi-chuan/",
}


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("name", list(NEW_PAGES))
def test_the_newsroom_pages_pass_axe_with_target_size_and_fit_the_screen(browser, paged_url, axe_source, name, width):
    page = open_page(browser, paged_url + NEW_PAGES[name], viewport={"width": width, "height": 800})
    if name == "the timeline at an event's anchor":
        anchor = page.evaluate("document.querySelector('li.event').id")
        page.goto(paged_url + NEW_PAGES[name] + "#" + anchor)
        assert page.evaluate("document.querySelector(':target')?.id") == anchor
    wide = page.evaluate("[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
    violations = axe_violations(page, axe_source)
    close(page)
    assert wide[0] <= wide[1] and violations == []


def test_a_tap_on_a_figure_opens_its_large_rendition_without_script(browser, base_url):
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(base_url + ARTICLE_WITH_PHOTOS)
    link = page.locator(".body figure a.enlarge")
    href = link.get_attribute("href")
    link.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(href.removeprefix("../..")) and re.search(r"\.\d+w\.jpg$", page.url)
    close(page)


def test_the_masthead_is_compact_on_a_phone(browser, base_url):
    page = open_page(browser, base_url, viewport=PHONE)
    height = page.evaluate("document.querySelector('.masthead').getBoundingClientRect().height")
    close(page)
    assert height <= 90


def test_a_result_s_excerpt_comes_from_the_text_not_the_tags(browser, base_url):
    """卡口 is a tag of four reports and in the text of all five: each excerpt is text."""
    page = open_page(browser, base_url + "search/?q=" + quote("卡口"))
    results = search_results(page)
    close(page)
    assert len(results) == 5
    for result in results:
        assert "疫情防控、基层党建" not in re.sub(r"<[^>]+>", "", result["excerpt"]), result


def test_on_a_phone_a_wide_table_scrolls_inside_itself_and_headlines_are_balanced(browser, base_url):
    page = open_page(browser, base_url + ARTICLE_WITH_PHOTOS, viewport=PHONE)
    table = page.evaluate("""() => {
        const table = document.createElement('table');
        const row = table.insertRow();
        for (let i = 0; i < 12; i++) { row.insertCell().textContent = '孝义市第' + i + '号卡口'; }
        document.querySelector('.body').append(table);
        return [table.scrollWidth, table.clientWidth];
    }""")
    page_width = page.evaluate("[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
    styles = page.evaluate("""() => [getComputedStyle(document.querySelector('h1')).textWrap,
        getComputedStyle(document.querySelector('.report .place')).wordBreak]""")
    close(page)
    assert table[0] > table[1] and page_width[0] <= page_width[1]
    assert styles[0].startswith("balance") and styles[1] == "keep-all"
