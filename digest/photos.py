"""Responsive photos: each picture resized once, in WebP and JPEG.

A phone on a slow connection should not download a 1600-pixel photo to show it
350 pixels wide. Every photo is resized to a few widths (never enlarged) in
WebP, with JPEG beside it for browsers without WebP; the page offers them in a
``<picture>`` with ``srcset``/``sizes`` and fixed ``width``/``height``. That
holds for the photos of the front matter (laid out by ``article.html``) and for
a JPEG, PNG or WebP image a body shows (:func:`responsive_images` rewrites its
``<img>``); GIFs, SVGs and animations go out as they are.

Resizing is slow, so renditions are cached across builds in a folder beside
the output, named by a hash of the source bytes: a photo is processed once,
and an edited photo gets new renditions. Each cached file has a seal beside
it (its stamp and sha256): one damaged or edited by hand, in the cache or
through its hard link in the output, no longer matches its seal and is made
again (:func:`is_sound`). Output names depend on the source
path only, so pages do not change when a photo's bytes do (unless its size does).

No published picture carries the camera's EXIF data, where a phone writes its
GPS position: renditions are made without it, the original of a front-matter
photo is not published, and an image linked from a body goes out as a copy
without it (:func:`publish_file`).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import partial
from html import escape, unescape
from pathlib import Path, PurePosixPath
from typing import Callable
from urllib.parse import quote, unquote

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ContentError, ProblemLog
from .i18n import _
from .outputs import COPY, LINK, Output
from .parallel import run_all
from .site import Site
from .write import stamp_of, stat_id, write_atomically

WIDTHS = (480, 960, 1600)
FALLBACK_WIDTH = 960  # the <img src> for browsers that ignore srcset
KINDS = ("webp", "jpg")
SAVE_OPTIONS = {
    "webp": {"format": "WEBP", "quality": 78, "method": 5},
    "jpg": {"format": "JPEG", "quality": 80, "optimize": True, "progressive": True},
}
CACHE_VERSION = "2"  # change when SAVE_OPTIONS or resampling change
REDUCING_GAP = 3.0  # shrink by whole factors first, then Lanczos: faster, the same to the eye (Pillow's docs)
CACHE_FOLDER = Path(".digest-cache") / "photos"
EXIF_ORIENTATION = 0x0112
CLEANED_FORMATS = {"JPEG", "PNG", "WEBP"}  # images in a body that lose their EXIF data
SIDEWAYS = {5, 6, 7, 8}  # orientations that swap width and height
PHOTO_SIZES = "(min-width: 678px) 646px, calc(100vw - 2rem)"  # the report column (38em of 17px), or the screen
LEAD_SIZES = "(min-width: 1088px) 782px, (min-width: 896px) calc(100vw - 22rem), calc(100vw - 2rem)"  # the front page's column


@dataclass(frozen=True)
class Rendition:
    """One resized file of a photo."""

    dest: str  # path in the output folder: media/yima.480w.webp
    width: int
    height: int
    kind: str  # "webp" or "jpg"

    @property
    def href(self) -> str:
        """Its address from the site root: a space, comma or '#' in a name is %-escaped."""
        return quote(self.dest)


@dataclass(frozen=True)
class ResponsivePhoto:
    """All renditions of one photo, smallest first, and what templates need."""

    src: str  # the photo as front matter names it: media/yima.jpg
    width: int  # of the largest rendition: the <img> width/height attributes
    height: int
    renditions: tuple[Rendition, ...]

    def srcset(self, kind: str, root: str = "") -> str:
        """``media/a.480w.webp 480w, media/a.960w.webp 960w`` for one format."""
        return ", ".join(f"{root}{r.href} {r.width}w" for r in self.renditions if r.kind == kind)

    @property
    def fallback(self) -> Rendition:
        """A middle-sized JPEG for the <img src> of old browsers."""
        jpegs = [r for r in self.renditions if r.kind == "jpg"]
        return max((r for r in jpegs if r.width <= FALLBACK_WIDTH), key=lambda r: r.width, default=jpegs[0])

    def smallest(self, kind: str) -> Rendition:
        """The smallest rendition of one format: a list's thumbnail."""
        return min((r for r in self.renditions if r.kind == kind), key=lambda r: r.width)

    @property
    def largest_jpeg(self) -> Rendition:
        """The share image: chat apps and social sites want a big JPEG."""
        return max((r for r in self.renditions if r.kind == "jpg"), key=lambda r: r.width)


def photo_cache_dir(output_dir: Path) -> Path:
    """The rendition cache lives beside the output, so it survives the swap."""
    return output_dir.absolute().parent / CACHE_FOLDER


@dataclass(frozen=True)
class PictureFacts:
    """What a build needs to know of a picture file (the build cache keeps it
    while the file is unchanged, so that it is not read again)."""

    key: str  # of its bytes: names its renditions in the rendition cache
    width: int  # as displayed: a sideways EXIF orientation swaps width and height
    height: int


UNREADABLE = (UnidentifiedImageError, OSError, Image.DecompressionBombError)
Facts = Callable[[Path], PictureFacts]


def read_picture(path: Path) -> PictureFacts:
    """Hash the bytes and read the header: raises one of :data:`UNREADABLE`."""
    return PictureFacts(cache_key(path), *displayed_size(path))


def remembered_facts(cache) -> Facts:
    """:func:`read_picture`, kept by the build cache while a file is unchanged."""
    return partial(cache.picture, read=read_picture)


def unreadable_message(src: str, exc: Exception) -> str:
    return _("the photo '{src}' cannot be read as an image ({reason}); save it as JPEG, PNG or WebP").format(
        src=src, reason=exc.__class__.__name__)


@dataclass(frozen=True)
class Pictures:
    """The site's pictures, made ready in the rendition cache: the renditions of
    each photo (for templates and feeds), and the outputs that publish them and
    the other files bodies link to."""

    photos: dict[str, ResponsivePhoto]  # src -> its renditions
    outputs: list[Output]
    sound: dict[str, tuple] = field(default_factory=dict)  # each rendition in the cache -> its stamp, found sound


def prepare_pictures(site: Site, content_dir: Path, cache_dir: Path, facts: Facts = read_picture,
                     known: dict[str, tuple] | None = None) -> Pictures:
    """Resize every article photo, and every still image a body shows, into the
    rendition cache (what it lacks), and plan their outputs and those of the
    files bodies link to.

    Raises :class:`ContentError` naming every photo Pillow cannot read.
    """
    log = ProblemLog()
    pictures: dict[str, tuple[Path, PictureFacts]] = {}
    for article in site.articles:
        for photo in article.photos:
            path = content_dir / photo.src
            try:
                pictures.setdefault(photo.src, (path, facts(path)))
            except UNREADABLE as exc:
                log.error(article.source, photo.line, unreadable_message(photo.src, exc))
    if log.has_errors:
        raise ContentError(log)
    for image in sorted(site.images - pictures.keys()):
        pictures[image] = (content_dir / image, facts(content_dir / image))
    photos, outputs, sound = prepare_renditions(pictures, cache_dir, known)
    for asset in sorted(site.assets):  # the renditions of the images among them are above
        outputs.append(linked_file_output(asset, content_dir / asset, cache_dir, facts))
    return Pictures(photos, outputs, sound)


def published_files(site: Site) -> frozenset[str]:
    """The content files a build publishes beside its pages (each as it is or as
    renditions): the articles' photos, the pictures bodies show, the files they link to."""
    return frozenset({photo.src for article in site.articles for photo in article.photos} | site.images | site.assets)


def prepare_renditions(pictures: dict[str, tuple[Path, PictureFacts]], cache_dir: Path,
                       known: dict[str, tuple] | None = None
                       ) -> tuple[dict[str, ResponsivePhoto], list[Output], dict[str, tuple]]:
    """Plan each picture's renditions, make those the cache lacks (on all
    cores: a phone photo takes most of a second), and plan their outputs.

    ``known``: the stamps the last build found the renditions sound with; returned,
    the stamps of those this build found sound (those it makes are sealed anew)."""
    known = known or {}
    planned = {src: plan_renditions(src, facts.width, facts.height) for src, (_path, facts) in pictures.items()}
    todo, outputs, sound = [], [], {}
    for src, photo in planned.items():
        path, facts = pictures[src]
        missing = []
        for rendition in photo.renditions:
            cached = cached_name(cache_dir, facts.key, rendition)
            stat = sound_stat(cached, known.get(cached))
            if stat is None:
                missing.append(rendition)
                outputs.append(Output(rendition.dest, LINK, cached))
            else:
                sound[cached] = stamp_of(stat)
                outputs.append(Output(rendition.dest, LINK, cached, ident=stat_id(stat)))
        if missing:
            todo.append(RenditionJob(path, tuple(missing), cache_dir, facts.key))
    run_all(_make_renditions, todo, min_items=2)
    return planned, outputs, sound


@dataclass(frozen=True)
class RenditionJob:
    path: Path
    renditions: tuple[Rendition, ...]
    cache_dir: Path
    key: str


def _make_renditions(job: RenditionJob) -> None:
    make_renditions(job.path, list(job.renditions), job.cache_dir, job.key)


def linked_file_output(dest: str, path: Path, cache_dir: Path, facts: Facts = read_picture) -> Output:
    """A content file a body links to, as it is published.

    An image with EXIF data (where a phone writes its GPS position) goes out
    without it, turned upright, made once and cached like the renditions;
    anything else goes out as it is.
    """
    if not has_camera_data(path):
        return Output(dest, COPY, path)
    key = facts(path).key
    cleaned = cache_dir / key[:2] / f"{key}-no-exif{path.suffix.lower()}"
    if not is_sound(cleaned):
        save_without_camera_data(path, cleaned)
    return Output(dest, LINK, cleaned)


def has_camera_data(path: Path) -> bool:
    """Whether ``path`` is a still image Pillow rewrites, carrying EXIF data."""
    try:
        with Image.open(path) as image:
            return _is_still(image) and (len(image.getexif()) > 0 or "exif" in image.info)
    except UNREADABLE:
        return False  # not an image Pillow reads: it goes out as it is


def save_without_camera_data(path: Path, target: Path) -> None:
    """The same picture in the same format, with no EXIF: a JPEG that needs no
    turning keeps its own quality tables, so it is not made worse."""
    with Image.open(path) as opened:
        kind = opened.format
        options = {"format": kind}
        if "icc_profile" in opened.info:
            options["icc_profile"] = opened.info["icc_profile"]
        if kind == "JPEG" and opened.getexif().get(EXIF_ORIENTATION, 1) == 1:
            _save_atomically(opened, target, {**options, "quality": "keep"})
            return
        upright = ImageOps.exif_transpose(opened)
        upright.load()
    if kind == "JPEG":
        options["quality"] = 90
    elif kind == "WEBP":
        options["lossless"] = True
    _save_atomically(upright, target, options)


def displayed_size(path: Path) -> tuple[int, int]:
    """Width and height as shown: a sideways EXIF orientation swaps them.

    Only the header is read, so planning a cached photo stays cheap.
    """
    with Image.open(path) as image:
        return _shown_size(image)


def _is_still(image: Image.Image) -> bool:
    """A JPEG, PNG or WebP that does not move: what we rewrite (without EXIF) and resize."""
    return image.format in CLEANED_FORMATS and not getattr(image, "is_animated", False)


def _shown_size(image: Image.Image) -> tuple[int, int]:
    width, height = image.size
    return (height, width) if image.getexif().get(EXIF_ORIENTATION) in SIDEWAYS else (width, height)


def still_image_size(path: Path) -> tuple[int, int] | None:
    """The displayed size of a still JPEG, PNG or WebP, which is resized like a
    photo when a body shows it; None for anything else (a GIF, an SVG, an
    animation, a file Pillow cannot read), which goes out as it is."""
    try:
        with Image.open(path) as image:
            return _shown_size(image) if _is_still(image) else None
    except UNREADABLE:
        return None


# --- images in a body -------------------------------------------------------------

IMG_TAG = re.compile(r'<img\b((?:[^>"]|"[^"]*")*)>')  # as nh3 writes it: every value in double quotes
ATTRIBUTE = re.compile(r'([^\s="]+)(?:="([^"]*)")?')


def responsive_images(html: str, sizes: dict[str, tuple[int, int]], root: str) -> str:
    """Each ``<img>`` of a body that shows one of ``sizes`` (content path →
    displayed size) becomes a ``<picture>`` of its renditions, with a width
    and height so the text does not jump when it loads, and lazy loading.

    ``html`` is nh3's output, whose attributes are always ``name="value"``.
    ``root`` leads from the page to the site root (``../../``).
    """
    if not sizes:
        return html

    def shown(address: str) -> str | None:
        src = unescape(address)
        path = unquote(src[len(root):]) if src.startswith(root) else None
        return path if path in sizes else None

    def upgrade(tag: re.Match) -> str:
        attributes = {name: value for name, value in ATTRIBUTE.findall(tag.group(1))}
        path = shown(attributes.get("src", ""))
        if path is None:
            return tag.group(0)
        return picture_html(plan_renditions(path, *sizes[path]), attributes, root)

    def enlarge(link: re.Match) -> str:
        path = shown(link.group(2))
        if path is None:
            return link.group(0)
        return link.group(1) + escape(root + plan_renditions(path, *sizes[path]).largest_jpeg.href) + link.group(3)

    return ENLARGE_LINK.sub(enlarge, IMG_TAG.sub(upgrade, html))


# The link a photo figure puts around its image (digest.markdown.PhotoFigures): to its large rendition.
ENLARGE_LINK = re.compile(r'(<a class="enlarge" href=")([^"]*)(")')


def picture_html(photo: ResponsivePhoto, attributes: dict[str, str], root: str) -> str:
    """The ``<picture>`` of a body image; the editor's alt, title, and a width or
    height they gave are kept (a missing one follows from the other)."""
    width, height = _box(attributes.get("width", ""), attributes.get("height", ""), photo)
    img = {"src": escape(root + photo.fallback.href), "srcset": escape(photo.srcset("jpg", root)),
           "sizes": PHOTO_SIZES, "width": str(width), "height": str(height),
           "loading": "lazy", "decoding": "async"}
    img.update((name, value) for name, value in attributes.items() if name not in ("src", "width", "height"))
    img_attributes = "".join(f' {name}="{value}"' for name, value in img.items())
    return (f'<picture><source type="image/webp" srcset="{escape(photo.srcset("webp", root))}" '
            f'sizes="{PHOTO_SIZES}"><img{img_attributes}></picture>')


def _box(width: str, height: str, photo: ResponsivePhoto) -> tuple[int, int]:
    if width.isdigit() and height.isdigit():
        return int(width), int(height)
    if width.isdigit():
        return int(width), max(1, round(int(width) * photo.height / photo.width))
    if height.isdigit():
        return max(1, round(int(height) * photo.width / photo.height)), int(height)
    return photo.width, photo.height


def rendition_widths(width: int) -> list[int]:
    """480/960/1600, never wider than the photo itself (no upscaling)."""
    return sorted({min(target, width) for target in WIDTHS})


def plan_renditions(src: str, width: int, height: int) -> ResponsivePhoto:
    stem = PurePosixPath(src).with_suffix("").as_posix()
    renditions = []
    for target in rendition_widths(width):
        scaled = max(1, round(height * target / width))
        for kind in KINDS:
            renditions.append(Rendition(f"{stem}.{target}w.{kind}", target, scaled, kind))
    largest = renditions[-1]
    return ResponsivePhoto(src, largest.width, largest.height, tuple(renditions))


def cache_key(path: Path) -> str:
    """What the cache knows a source picture by: its bytes (and how we process them)."""
    return hashlib.sha256(CACHE_VERSION.encode() + path.read_bytes()).hexdigest()[:32]


def cached_file(cache_dir: Path, key: str, rendition: Rendition) -> Path:
    return Path(cached_name(cache_dir, key, rendition))


def cached_name(cache_dir: Path, key: str, rendition: Rendition) -> str:
    """:func:`cached_file` as text: a build names 60,000 renditions at 10,000 photos."""
    return f"{cache_dir}/{key[:2]}/{key}-{rendition.width}.{rendition.kind}"


def make_renditions(path: Path, renditions: list[Rendition], cache_dir: Path, key: str) -> None:
    """Decode once, resize and encode each rendition into the cache.

    Metadata (EXIF, GPS) is not copied: a correspondent's location stays
    private. An RGB colour profile is kept so colours look the same; others
    (CMYK, grey) describe the source's channels, not the RGB we write.
    """
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened)
        image.load()
    profile = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA") else None
    resized: dict[tuple[int, int], Image.Image] = {}  # the WebP and the JPEG of a width share one resize
    for rendition in renditions:
        size = (rendition.width, rendition.height)
        if size not in resized:
            resized[size] = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
        converted = _convert_for(resized[size], rendition.kind)
        options = dict(SAVE_OPTIONS[rendition.kind], **({"icc_profile": profile} if profile else {}))
        _save_atomically(converted, cached_file(cache_dir, key, rendition), options)


def _convert_for(image: Image.Image, kind: str) -> Image.Image:
    """JPEG has no transparency: flatten onto white. WebP keeps alpha."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if kind == "webp":
        return image.convert("RGBA" if has_alpha else "RGB")
    if has_alpha:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _save_atomically(image: Image.Image, target: Path, options: dict) -> None:
    """Save whole or not at all (parallel builds share the cache), readable by a web
    server (the output links to it), and sealed."""
    for folder in (target.parent.parent, target.parent):  # the cache's folder and the key's
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            folder.unlink()  # a damaged cache: a file stands where the folder must be
    write_atomically(target, lambda stream: image.save(stream, **options))
    seal(target)


def _seal_path(path: Path) -> Path:
    return path.with_name(path.name + ".seal")


def seal(path: Path) -> None:
    """Note what a cached file is now: its stamp, and the sha256 of its bytes."""
    text = " ".join(map(str, stamp_of(path.stat()))) + " " + hashlib.sha256(path.read_bytes()).hexdigest()
    write_atomically(_seal_path(path), lambda stream: stream.write(text.encode("ascii")))


def is_sound(path: Path) -> bool:
    """Whether a cached file is as it was made (see :func:`sound_stat`)."""
    return sound_stat(path) is not None


def sound_stat(path: Path | str, known: tuple | None = None) -> os.stat_result | None:
    """What ``os.stat`` says of a cached file that is as it was made, else None. Sound: its stamp
    is ``known`` (the one a build last found it sound with: 60,000 renditions' seals are
    not read again each build) or the one its seal notes (cheap), or else its bytes
    have the sha256 the seal notes."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    stamp = stamp_of(stat)
    if stamp == known:
        return stat
    path = Path(path)
    try:
        *noted, digest = _seal_path(path).read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if list(map(str, stamp)) == noted:
        return stat
    try:
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            return None
        seal(path)  # only its times changed (touched): no need to read it next time
        return os.stat(path)
    except OSError:
        return None
