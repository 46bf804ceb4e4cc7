"""Bodies: pasted HTML made safe, links resolved or reported, summaries cut the CJK way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PAYLOADS
from digest.markdown import LinkContext, MarkdownRenderer, body_text, cut_summary, reading_minutes

RENDERER = MarkdownRenderer()
URLS = {"articles/2020/2020-01-30-yima.md": "articles/yima/", "articles/2020/2020-02-01-chongwen.md": "articles/chongwen/"}


def render(body: str, source: str = "articles/2020/2020-01-30-yima.md", hosts=(), content_dir=Path(".")):
    links = LinkContext(source, content_dir, URLS, hosts)
    html, _ = RENDERER.render(body, links)
    return html, links


def live_parts(html: str) -> list[str]:
    """Everything in ``html`` that a browser could run or that fetches from elsewhere unasked."""
    soup = BeautifulSoup(html, "html.parser")
    found = [tag.name for tag in soup.find_all(["script", "style", "object", "embed", "form", "svg", "math", "meta", "base", "link"])]
    for tag in soup.find_all(True):
        found += [f"{tag.name}[{name}]" for name in tag.attrs if name.lower().startswith("on") or name in ("style", "srcdoc", "formaction")]
        for name in ("href", "src", "action"):
            value = "".join(str(tag.get(name, "")).split()).lower()
            if value.startswith(("javascript:", "vbscript:", "data:")):
                found.append(f"{tag.name}[{name}]={value}")
        if tag.name == "iframe":
            found.append(f"iframe {tag.get('src')}")
    return found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_nothing_that_could_run_survives(payload):
    html, _ = render(f"前文。\n\n{payload}\n\n后文。")
    assert live_parts(html) == []
    assert "前文" in html and "后文" in html
    assert "alert(1)</script>" not in html and "&lt;script" not in html  # removed, not escaped into text


def test_harmless_markup_is_kept():
    html, _ = render('<table><tr><td colspan="2" style="text-align:center">表</td></tr></table>\n\n'
                     '<a href="https://example.cn/" title="说明">链接</a> <abbr title="世界卫生组织">WHO</abbr>')
    assert '<td colspan="2" style="text-align:center">' in html
    assert '<a href="https://example.cn/" title="说明">' in html and "<abbr" in html


def test_an_allowed_iframe_survives_and_others_go_whole_with_a_warning():
    body = ('<iframe src="https://player.example.cn/v/1" width="640" allowfullscreen></iframe>\n\n'
            '<iframe src="//player.example.cn/v/2"></iframe>\n\n<iframe src="https://evil.cn/x">内容</iframe>')
    html, links = render(body, hosts=("player.example.cn",))
    assert html.count("<iframe") == 2
    assert '<iframe src="https://player.example.cn/v/1" width="640" allowfullscreen="">' in html
    assert 'src="https://player.example.cn/v/2"' in html
    assert "evil" not in html and "内容" not in html
    assert [(p.link, p.is_error) for p in links.broken] == [("https://evil.cn/x", False)]
    assert "add evil.cn there if you trust it" in links.broken[0].message


def test_without_allowed_hosts_no_iframe_is_kept():
    html, links = render('<iframe src="https://player.example.cn/v/1"></iframe>')
    assert "<iframe" not in html and len(links.broken) == 1


def test_links_to_articles_become_their_pages():
    html, links = render("见[崇文](2020-02-01-chongwen.md#fangkong)和[驿马](/articles/2020/2020-01-30-yima.md)。")
    assert 'href="../../articles/chongwen/#fangkong"' in html and 'href="../../articles/yima/"' in html
    assert links.broken == []


def test_links_that_stay_as_written():
    html, links = render("[站外](https://example.cn/a?b=1) [邮件](mailto:a@example.cn) [本页](#jie) [电话](tel:110)")
    assert all(f'href="{url}"' in html for url in ("https://example.cn/a?b=1", "mailto:a@example.cn", "#jie", "tel:110"))
    assert links.broken == []


def test_files_and_images_are_found_relative_to_the_article(tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "a.jpg").write_bytes(b"jpg")
    html, links = render("![卡口](../../media/a.jpg) [原文](../../media/a.jpg)", content_dir=tmp_path)
    assert html.count('"../../media/a.jpg"') == 2
    assert links.assets == {"media/a.jpg"} and links.broken == []


@pytest.mark.parametrize("body, message", [
    ("![卡口](media/a.jpg)", "the image 'media/a.jpg' names a file that does not exist "
     "(looked for articles/2020/media/a.jpg); paths are relative to this file: did you mean '../../media/a.jpg'?"),
    ("[原文](../../media/b.pdf)", "the link '../../media/b.pdf' names a file that does not exist "
     "(looked for media/b.pdf); check the name (paths are relative to this file)"),
    ("[驿马](2020-01-30-yimma.md)", "the link '2020-01-30-yimma.md' names an article file that does not exist "
     "(looked for articles/2020/2020-01-30-yimma.md); paths are relative to this file: "
     "did you mean '2020-01-30-yima.md'?"),
    ("[驿马](../2020-01-30-yima.md)", "the link '../2020-01-30-yima.md' names an article file that does not exist "
     "(looked for articles/2020-01-30-yima.md); paths are relative to this file: did you mean '2020-01-30-yima.md'?"),
    ("[外面](../../../secret.txt)", "the link '../../../secret.txt' points outside the content folder; "
     "link only to files inside it"),
])
def test_a_broken_link_is_an_error_that_names_the_fix(tmp_path, body, message):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "a.jpg").write_bytes(b"jpg")
    html, links = render(body, source="articles/2020/2020-02-01-chongwen.md", content_dir=tmp_path)
    assert [(p.message, p.is_error) for p in links.broken] == [(message, True)]
    assert "href" not in html and "src" not in html


def test_a_summary_ends_at_a_sentence_end_and_keeps_its_closing_quote():
    text = "驿马乡启动一级响应。" * 3 + "他说：“守住防线。”" + "后面还有很多很多字" * 10
    assert cut_summary(text, 40) == "驿马乡启动一级响应。" * 3 + "他说：“守住防线。”"


def test_a_summary_without_a_sentence_end_is_cut_with_an_ellipsis():
    assert cut_summary("字" * 200, 120) == "字" * 120 + "…"
    assert cut_summary("短。", 120) == "短。"


@pytest.mark.parametrize("joined", ["👍🏽", "👨\u200d👩\u200d👧", "🇨🇳", "é"])
def test_a_summary_never_splits_what_belongs_together(joined):
    text = "字" * 9 + joined * 5
    for limit in range(9, len(text)):
        cut = cut_summary(text, limit).removesuffix("…")
        assert text.startswith(cut)
        assert (len(cut) - 9) % len(joined) == 0, (limit, cut)


def test_the_plain_text_of_a_body_leaves_out_footnotes_and_tables():
    html, _ = render("正文[^1]。\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[^1]: 注释。")
    assert body_text(html).prose == "正文。"


def test_the_plain_text_of_chinese_has_no_spaces_where_markup_or_line_breaks_were():
    html, _ = render("驿马乡**启动**一级\n响应，[组建](https://example.cn/)十个工作组。\n\nThe *WHO* said so.")
    assert body_text(html).prose == "驿马乡启动一级响应，组建十个工作组。 The WHO said so."


def test_an_image_alone_in_its_paragraph_is_a_figure_with_caption_and_credit(tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "a.jpg").write_bytes(b"jpg")
    html, links = render('前文。\n\n![驿马乡入乡检测点](../../media/a.jpg "摄影：赵泉")\n\n行内![图](../../media/a.jpg)。',
                         content_dir=tmp_path)
    figure = BeautifulSoup(html, "html.parser").find("figure")
    assert figure["class"] == ["photo"]
    assert figure.select_one("a.enlarge")["href"] == figure.img["src"] == "../../media/a.jpg"
    assert figure.img["alt"] == "驿马乡入乡检测点" and not figure.img.has_attr("title")
    assert figure.figcaption.get_text() == "驿马乡入乡检测点（摄影：赵泉）"
    assert figure.figcaption.select_one(".credit").get_text() == "（摄影：赵泉）"
    assert len(BeautifulSoup(html, "html.parser").find_all("figure")) == 1  # an image inside a sentence stays there
    assert links.broken == []


def test_a_pasted_img_without_alt_gets_an_empty_one_and_a_warning():
    html, links = render('前文。\n\n<p><img src="https://example.org/x.jpg"></p>\n\n<img src="https://example.org/y.jpg" alt="有">')
    assert '<img alt="" src="https://example.org/x.jpg">' in html
    assert [(p.link, p.is_error) for p in links.broken] == [("https://example.org/x.jpg", False)]
    assert "has no description (alt)" in links.broken[0].message


@pytest.mark.parametrize(("text", "minutes"), [
    ("", 0), ("字" * 400, 1), ("字" * 401, 2), ("字" * 1200 + "，。" * 50, 3), ("word " * 400, 2), ("字" * 200 + " word" * 100, 1),
])
def test_reading_time_counts_chinese_by_the_character(text, minutes):
    assert reading_minutes(text) == minutes


def test_the_words_a_body_has_of_its_own_are_in_the_sites_language(tmp_path):
    """A photo's link name and credit brackets, and a footnote's back link, follow
    site.yaml's language: an English site gets no Chinese it did not write."""
    body = '![Checkpoint](https://example.org/a.jpg "Photo: Zhao Quan")\n\nText.[^1]\n\n[^1]: A note.\n'
    english, _ = MarkdownRenderer("en").render(body, LinkContext("articles/a.md", tmp_path, {}))
    chinese, _ = MarkdownRenderer("zh-CN").render(body, LinkContext("articles/a.md", tmp_path, {}))
    assert 'title="View the large picture"' in english and "(Photo: Zhao Quan)" in english
    assert 'title="Back to reference 1 in the text"' in english
    assert not re.search("[\u4e00-\u9fff\uff08\uff09]", english)
    assert 'title="查看大图"' in chinese and "（Photo: Zhao Quan）" in chinese and "返回正文第 1 处" in chinese


# --- the inline patterns tried ---------------------------------------------------

MARKDOWN_PIECES = st.lists(st.sampled_from([
    *"驿马乡 a1\n\t*_`\\[]()<>&!#-:|^{}.\"'", "  \n", "\n\n", "**", "[^1]", "[^1]: 注", "[a]: /x", "![图](a.jpg)",
    "<b>", "</b>", "&amp;", "&copy;", "<https://x.org>", "<a@b.cn>", "    code", "```\n", "> ", "- ", "1. ",
    "*[HTML]: 超文本", "HTML", "{: .x}", "# ", "| a | b |\n| - | - |\n", "[TOC]", "\\*",
]), max_size=25).map("".join)


@settings(max_examples=300, deadline=None)
@given(MARKDOWN_PIECES)
def test_leaving_out_the_inline_patterns_that_cannot_match_changes_nothing(text):
    renderer = MarkdownRenderer()
    full = renderer.md.inlinePatterns
    pruned = renderer.patterns_for(text)
    results = []
    for patterns in (full, pruned):
        renderer.md.reset()
        renderer.inline.inlinePatterns = patterns
        results.append(renderer.md.convert(text))
    assert results[0] == results[1]


def test_a_plain_chinese_paragraph_tries_no_inline_pattern():
    assert list(RENDERER.patterns_for("驿马乡设卡，值守人员24小时在岗。")) == []
    names = {name for name in RENDERER.md.inlinePatterns._data if RENDERER.md.inlinePatterns[name]
             in list(RENDERER.patterns_for("见[报道](a.md)。"))}
    assert {"link", "reference", "footnote"} <= names and "em_strong" not in names
