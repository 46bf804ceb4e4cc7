"""Responsive photos: sizes, formats, orientation, transparency, the cache, bad files."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image

from conftest import article_text, write_content
from digest import photos, write
from digest.builder import Theme, build
from digest.errors import ContentError
from digest.loading import BuildOptions
from digest.photos import photo_cache_dir, prepare_renditions, read_picture, rendition_widths
from digest.write import OutputWriter

GPS_IFD = 0x8825


def make_jpeg(path: Path, size: tuple[int, int], orientation: int | None = None, colour="steelblue") -> Path:
    """A photo as a phone saves it: EXIF with a GPS position, maybe an orientation."""
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (37.0, 8.0, 0.0)}
    if orientation:
        exif[photos.EXIF_ORIENTATION] = orientation
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, "JPEG", exif=exif)
    return path


def publish(source: Path, output: Path, src: str = "media/p.jpg"):
    """Publish one photo into a fresh staging folder; the writer and the photo."""
    writer = OutputWriter(output)
    photos, outputs, _sound = prepare_renditions({src: (source, read_picture(source))}, photo_cache_dir(output))
    for rendition in outputs:
        writer.link_or_copy(rendition.dest, rendition.source)
    return writer, photos[src]


@pytest.mark.parametrize(("width", "expected"), [
    (4000, [480, 960, 1600]), (1200, [480, 960, 1200]), (960, [480, 960]), (300, [300]),
])
def test_widths_are_480_960_1600_but_never_wider_than_the_photo(width, expected):
    assert rendition_widths(width) == expected


def test_each_width_is_written_in_webp_and_jpeg_without_the_gps_position(tmp_path):
    writer, photo = publish(make_jpeg(tmp_path / "in/p.jpg", (2000, 1000)), tmp_path / "site")
    made = {r.dest: r for r in photo.renditions}
    assert sorted(made) == sorted(f"media/p.{w}w.{kind}" for w in (480, 960, 1600) for kind in ("webp", "jpg"))
    for dest, rendition in made.items():
        with Image.open(writer.staging / dest) as image:
            assert image.size == (rendition.width, rendition.height) == (rendition.width, rendition.width // 2)
            assert image.format == {"webp": "WEBP", "jpg": "JPEG"}[rendition.kind]
            assert GPS_IFD not in image.getexif()
    assert (photo.width, photo.height) == (1600, 800)
    assert photo.fallback.dest == "media/p.960w.jpg"
    assert photo.largest_jpeg.dest == "media/p.1600w.jpg"
    assert photo.srcset("webp", "../../") == (
        "../../media/p.480w.webp 480w, ../../media/p.960w.webp 960w, ../../media/p.1600w.webp 1600w"
    )


def test_a_photo_turned_by_its_exif_orientation_is_sized_as_shown(tmp_path):
    _, photo = publish(make_jpeg(tmp_path / "in/p.jpg", (800, 400), orientation=6), tmp_path / "site")
    assert (photo.width, photo.height) == (400, 800)
    assert [(r.width, r.height) for r in photo.renditions if r.kind == "jpg"] == [(400, 800)]


def test_transparency_stays_in_webp_and_turns_white_in_jpeg(tmp_path):
    source = tmp_path / "in/logo.png"
    source.parent.mkdir()
    Image.new("RGBA", (200, 100), (255, 0, 0, 0)).save(source)
    writer, photo = publish(source, tmp_path / "site", "media/logo.png")
    with Image.open(writer.staging / "media/logo.200w.webp") as webp:
        assert webp.mode == "RGBA" and webp.getpixel((5, 5))[3] == 0
    with Image.open(writer.staging / "media/logo.200w.jpg") as jpeg:
        assert all(channel > 245 for channel in jpeg.getpixel((5, 5)))


def test_a_photo_is_processed_once_and_again_only_when_it_changes(tmp_path, monkeypatch):
    source = make_jpeg(tmp_path / "in/p.jpg", (1000, 500))
    publish(source, tmp_path / "site")
    made = []
    real = photos.make_renditions
    monkeypatch.setattr(photos, "make_renditions", lambda *args: made.append(args[1]) or real(*args))
    writer, _ = publish(source, tmp_path / "site")
    assert made == []
    assert (writer.staging / "media/p.960w.webp").is_file()
    make_jpeg(source, (1000, 500), colour="darkred")
    publish(source, tmp_path / "site")
    assert [len(batch) for batch in made] == [6]


def test_a_build_with_nothing_changed_does_not_read_the_photos_again(tmp_path, monkeypatch):
    content = write_content(tmp_path, {"2020/a.md": article_text(
        photos="\n  - src: media/p.jpg", body="![图](../../media/q.png)")})
    make_jpeg(content / "media/p.jpg", (1000, 500))
    Image.new("RGB", (640, 480), "white").save(content / "media/q.png")
    later = time.time_ns() + 10_000_000_000  # built ten seconds after the photos were saved
    monkeypatch.setattr("digest.cache.time.time_ns", lambda: later)
    options = BuildOptions(content_dir=content, output_dir=tmp_path / "output")
    build(options, Theme())
    monkeypatch.setattr(photos, "cache_key", lambda path: pytest.fail(f"{path} read again"))
    assert build(options, Theme()).files_written == 0


def test_a_rendition_found_sound_is_known_by_its_stamp_until_it_changes(tmp_path, monkeypatch):
    """The seal beside each rendition is read once: after that the build's own record of
    the rendition's stamp vouches for it (a newsroom's 10,000 photos are 60,000 seals),
    and the output's link to it is kept on that stamp."""
    content = write_content(tmp_path, {"2020/a.md": article_text(photos="\n  - src: media/p.jpg")})
    make_jpeg(content / "media/p.jpg", (1000, 500))
    options = BuildOptions(content_dir=content, output_dir=tmp_path / "output")
    build(options, Theme())
    seals = []
    real = photos._seal_path
    monkeypatch.setattr(photos, "_seal_path", lambda path: seals.append(path.name) or real(path))
    build(options, Theme())  # the seals are read: the first build made the renditions, and notes none
    assert len(seals) == 6
    seals.clear()
    looked_at = []  # linking a rendition the output holds does not look at it again either
    real_id = write.file_id
    monkeypatch.setattr(write, "file_id", lambda path: looked_at.append(path) or real_id(path))
    assert build(options, Theme()).files_written == 0
    assert seals == []
    cache = photo_cache_dir(options.output_dir)
    assert [path for path in looked_at if cache in Path(path).parents] == []
    published = tmp_path / "output/media/p.960w.webp"
    assert published.stat().st_ino == next(cache.rglob("*-960.webp")).stat().st_ino  # the cache's file, linked
    webp = next(cache.rglob("*-960.webp"))
    webp.write_bytes(b"not a picture")  # damaged: another stamp, so its seal is read and it is made again
    build(options, Theme())
    assert seals == [webp.name] * 2  # read, and written anew
    assert Image.open(tmp_path / "output/media/p.960w.webp").size == (960, 480)


def test_the_cache_lives_beside_the_output(tmp_path):
    assert photo_cache_dir(tmp_path / "public") == tmp_path / ".digest-cache" / "photos"


def test_a_photo_pillow_cannot_read_is_an_error_with_its_line_and_nothing_is_written(tmp_path):
    content = write_content(tmp_path, {"2020-01-30-a.md": article_text(
        title="有照片", photos="\n  - src: media/broken.jpg\n    caption: 坏照片",
    )})
    (content / "media").mkdir()
    (content / "media/broken.jpg").write_text("not a photo", encoding="utf-8")
    output = tmp_path / "output"
    with pytest.raises(ContentError) as caught:
        build(BuildOptions(content_dir=content, output_dir=output), Theme())
    assert [str(problem) for problem in caught.value.log.errors] == [
        "articles/2020-01-30-a.md:5: error: the photo 'media/broken.jpg' cannot be read as an image "
        "(UnidentifiedImageError); save it as JPEG, PNG or WebP"
    ]
    assert not output.exists()


def test_feeds_keep_a_plain_absolute_img_of_the_largest_jpeg(sample_site):
    """Feed readers get one <img> with an absolute URL, not a <picture> with srcsets."""
    feed = (sample_site / "feed.xml").read_text(encoding="utf-8")
    sources = re.findall(r'<img [^>]*src="([^"]+)"', feed)
    assert "https://example.cn/digest/media/yima-checkpoint.1200w.jpg" in sources  # the photo is 1200 wide
    assert all((sample_site / src.removeprefix("https://example.cn/digest/")).is_file() for src in sources)
    assert "<picture" not in feed and "srcset" not in feed


def test_the_original_photos_with_their_camera_data_are_not_published(sample_site):
    articles = Path(__file__).resolve().parent.parent / "content" / "articles"
    originals = set(re.findall(r"src: (media/\S+)", "".join(p.read_text(encoding="utf-8") for p in articles.rglob("*.md"))))
    assert originals
    for original in originals:
        assert not (sample_site / original).exists(), original
        assert (sample_site / original.replace(".jpg", ".480w.jpg")).is_file()


def test_the_page_offers_the_renditions_with_their_size(sample_site):
    html = (sample_site / "articles/yima/index.html").read_text(encoding="utf-8")
    assert '<source type="image/webp" srcset="../../media/yima-checkpoint.480w.webp 480w, ' in html
    assert 'src="../../media/yima-checkpoint.960w.jpg"' in html and 'width="1200" height="800"' in html
    for dest in re.findall(r"\.\./\.\./(media/[\w.-]+)", html):
        assert (sample_site / dest).is_file(), dest


def test_an_image_in_the_text_goes_out_without_its_camera_data_and_upright(tmp_path):
    content = write_content(tmp_path, {"2020/a.md": article_text(body=(
        "![检测点](../../media/phone.jpg) ![图](../../media/plain.png) [通知](../../media/notice.pdf)"))})
    make_jpeg(content / "media/phone.jpg", (400, 300), orientation=6)
    Image.new("RGB", (50, 40), "white").save(content / "media/plain.png")
    (content / "media/notice.pdf").write_bytes(b"%PDF-1.4 notice\n")
    output = tmp_path / "output"
    build(BuildOptions(content_dir=content, output_dir=output), Theme())
    with Image.open(output / "media/phone.jpg") as image:
        assert image.format == "JPEG" and image.size == (300, 400)  # turned as the phone meant
        assert len(image.getexif()) == 0
    for name in ("plain.png", "notice.pdf"):  # nothing to take out: the very same bytes
        assert (output / "media" / name).read_bytes() == (content / "media" / name).read_bytes()


def test_the_files_a_build_publishes_from_the_content_are_named_for_the_preview(tmp_path):
    """What `serve` watches even when hidden: every content file that reaches the output."""
    content = write_content(tmp_path, {
        "2020/a.md": article_text(photos="\n  - src: media/lead.png", body="![图](../../media/.in-text.png) [通知](../../.n/x.pdf)"),
        "2020/b.md": article_text(title="草稿", draft="true", photos="\n  - src: media/draft.png"),
    })
    (content / "media").mkdir()
    for name in ("lead.png", ".in-text.png", "draft.png"):
        Image.new("RGB", (50, 40), "white").save(content / "media" / name)
    (content / ".n").mkdir()
    (content / ".n/x.pdf").write_bytes(b"%PDF-1.4 notice\n")
    output = tmp_path / "output"
    result = build(BuildOptions(content_dir=content, output_dir=output), Theme())
    published = photos.published_files(result.site)
    assert published == {"media/lead.png", "media/.in-text.png", ".n/x.pdf"}  # not the draft's photo
    assert (output / ".n/x.pdf").is_file() and list(output.glob("media/.in-text.*w.*"))


def test_a_jpeg_that_needs_no_turning_keeps_its_quality_tables(tmp_path):
    source = make_jpeg(tmp_path / "in/p.jpg", (64, 48))
    photos.save_without_camera_data(source, tmp_path / "out.jpg")
    with Image.open(source) as before, Image.open(tmp_path / "out.jpg") as after:
        assert after.quantization == before.quantization
        assert GPS_IFD in before.getexif() and len(after.getexif()) == 0


# --- images in a body ---------------------------------------------------------------


def test_an_img_of_a_content_image_becomes_a_picture_with_its_size():
    html = ('<p><img src="../../media/map.png" alt="地图 &amp; &quot;路线&quot;" title="示意"></p>'
            '<p><img src="https://example.org/x.png" alt="外链"></p>')
    upgraded = photos.responsive_images(html, {"media/map.png": (1200, 800)}, "../../")
    assert upgraded == (
        '<p><picture><source type="image/webp" srcset="../../media/map.480w.webp 480w, '
        '../../media/map.960w.webp 960w, ../../media/map.1200w.webp 1200w" sizes="' + photos.PHOTO_SIZES + '">'
        '<img src="../../media/map.960w.jpg" srcset="../../media/map.480w.jpg 480w, ../../media/map.960w.jpg 960w, '
        '../../media/map.1200w.jpg 1200w" sizes="' + photos.PHOTO_SIZES + '" width="1200" height="800" '
        'loading="lazy" decoding="async" alt="地图 &amp; &quot;路线&quot;" title="示意"></picture></p>'
        '<p><img src="https://example.org/x.png" alt="外链"></p>'
    )


@pytest.mark.parametrize(("given", "expected"), [
    ('width="300"', 'width="300" height="200"'),
    ('height="100"', 'width="150" height="100"'),
    ('width="10" height="10"', 'width="10" height="10"'),
    ('loading="eager"', 'width="1200" height="800" loading="eager"'),
])
def test_a_size_or_loading_the_editor_gave_is_kept(given, expected):
    html = f'<img src="media/map.png" alt="" {given}>'
    assert expected in photos.responsive_images(html, {"media/map.png": (1200, 800)}, "")


def test_a_body_image_is_resized_but_a_gif_or_a_picture_only_linked_to_goes_out_as_it_is(tmp_path):
    content = write_content(tmp_path, {"2020/a.md": article_text(photos="\n  - src: media/检测 点.jpg", body=(
        "![检测 点](<../../media/检测 点.jpg>)\n\n![动图](../../media/moving.gif)\n\n[原图](../../media/检测%20点.jpg)"
        "\n\n[大图](../../media/big.jpg)"))})
    make_jpeg(content / "media/big.jpg", (2000, 1000))
    make_jpeg(content / "media/检测 点.jpg", (1000, 500))
    Image.new("P", (40, 30)).save(content / "media/moving.gif")
    output = tmp_path / "output"
    build(BuildOptions(content_dir=content, output_dir=output), Theme())
    html = (output / "articles/a/index.html").read_text(encoding="utf-8")
    assert 'width="1000" height="500"' in html and '<img alt="动图" src="../../media/moving.gif">' in html
    linked = re.findall(r'(?:src|href)="\.\./\.\./(media/[^"]+)"', html)
    linked += re.findall(r"\.\./\.\./(media/\S+) \d+w", html)
    assert "media/%E6%A3%80%E6%B5%8B%20%E7%82%B9.480w.webp" in linked  # a space would end a srcset address
    assert html.count('src="../../media/%E6%A3%80%E6%B5%8B%20%E7%82%B9.960w.jpg"') == 1  # the text places the photo
    for dest in linked:
        assert (output / unquote(dest)).is_file(), dest
    assert not list((output / "media").glob("moving.*w.*")) and not list((output / "media").glob("big.*w.*"))
    assert (output / "media/big.jpg").is_file()


def test_the_sample_report_s_diagram_loads_small_on_a_phone(sample_site):
    html = (sample_site / "articles/xiaoyi-overview/index.html").read_text(encoding="utf-8")
    assert '<source type="image/webp" srcset="../../media/xiaoyi-timeline.480w.webp 480w, ' in html
    assert 'width="1200" height="800" loading="lazy"' in html


def test_a_photo_figure_links_to_its_large_rendition():
    html = ('<figure class="photo"><a class="enlarge" href="../../media/map.png" title="查看大图">'
            '<img alt="地图" src="../../media/map.png"></a><figcaption>地图</figcaption></figure>')
    upgraded = photos.responsive_images(html, {"media/map.png": (2000, 1000)}, "../../")
    assert '<a class="enlarge" href="../../media/map.1600w.jpg"' in upgraded and "<picture>" in upgraded


def test_the_first_photo_leads_the_others_follow_the_text_unless_the_body_places_them(tmp_path):
    front = "\n  - src: media/a.jpg\n    caption: 甲\n  - src: media/b.jpg\n    caption: 乙\n  - src: media/c.jpg\n    caption: 丙"
    content = write_content(tmp_path, {"2020/r.md": article_text(photos=front, body="正文。\n\n![乙在文中](../../media/b.jpg)\n\n完。")})
    for name in "abc":
        make_jpeg(content / f"media/{name}.jpg", (600, 400))
    output = tmp_path / "output"
    build(BuildOptions(content_dir=content, output_dir=output), Theme())
    html = (output / "articles/r/index.html").read_text(encoding="utf-8")
    report = html[html.index('<article class="report">'):]
    before, rest = report.split('<div class="body">')
    body, after = rest.split("</div>", 1)  # this body has no <div> of its own
    alts = [re.findall(r'alt="([^"]*)"', part) for part in (before, body, after)]
    assert alts == [["甲"], ["乙在文中"], ["丙"]]
    feed = (output / "feed.xml").read_text(encoding="utf-8")
    assert [feed.index(text) for text in ("甲", "乙在文中", "丙")] == sorted(feed.index(t) for t in ("甲", "乙在文中", "丙"))
    assert "&gt;乙&lt;" not in feed and "alt=\"乙\"" not in feed
