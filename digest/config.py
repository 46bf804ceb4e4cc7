"""``site.yaml`` read into a frozen :class:`SiteConfig`.

The config is plain data passed to whoever needs it; nothing reaches into a
global settings mapping. Every problem in the file is collected with its line.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ProblemLog
from .i18n import _
from .sources import SITE_FILE, UNPRINTABLE, load_yaml_file
from .yamlfile import LineDict, empty_mapping

KNOWN_KEYS = {
    "title", "description", "base_url", "language", "timezone", "author",
    "per_page", "summary_length", "feed_limit", "allow_iframe_hosts", "copyright",
}
OTHER_KEYS = {"publisher"}  # kept in ``extra`` and read by the templates' helpers


@dataclass(frozen=True)
class SiteConfig:
    title: str = "孝义要闻"
    description: str = ""
    base_url: str = "http://localhost/"
    language: str = "zh-CN"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    author: str = ""
    per_page: int = 10
    summary_length: int = 120
    feed_limit: int = 50
    allow_iframe_hosts: tuple[str, ...] = ()
    copyright: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def base_path(self) -> str:
        """The path part of base_url (``/digest/``), for pages served at any depth."""
        return urlsplit(self.base_url).path or "/"

    def absolute_url(self, url: str) -> str:
        """``articles/yima/`` → ``https://example.cn/digest/articles/yima/``."""
        return self.base_url + url.lstrip("/")


def load_config(content_dir: Path, log: ProblemLog, base_url: str | None = None) -> SiteConfig:
    """Read site.yaml (optional); ``base_url`` from the command line wins."""
    raw = load_yaml_file(content_dir, SITE_FILE, log)
    if raw is None:
        raw = empty_mapping()
    if not isinstance(raw, LineDict):
        log.error(SITE_FILE, 1, _("site.yaml must be 'key: value' lines, like 'title: 孝义要闻'"))
        raw = empty_mapping()
    _warn_misspelt_keys(raw, log)
    values = {}
    for key in ("title", "description", "author", "copyright", "language"):
        if key in raw:
            values[key] = _text(raw, key, log)
    if "timezone" in raw:
        values["timezone"] = _timezone(raw, log)
    for key in ("per_page", "summary_length", "feed_limit"):
        if key in raw:
            values[key] = _positive_int(raw, key, log)
    if "allow_iframe_hosts" in raw:
        values["allow_iframe_hosts"] = _hosts(raw, log)
    url = base_url if base_url is not None else raw.get("base_url")
    if url is not None:
        values["base_url"] = _base_url(url, raw, log, from_command_line=base_url is not None)
    values["extra"] = {k: v for k, v in raw.items() if k not in KNOWN_KEYS}
    return SiteConfig(**{k: v for k, v in values.items() if v is not None})


def _warn_misspelt_keys(raw: LineDict, log: ProblemLog) -> None:
    known = KNOWN_KEYS | OTHER_KEYS
    for key in raw:
        if key not in known:
            close = difflib.get_close_matches(key.lower(), sorted(known), n=1, cutoff=0.7)
            if close:
                log.warning(
                    SITE_FILE, raw.line_of(key),
                    _("unknown setting '{key}:'; did you mean '{meant}:'? (as written it is not used)").format(
                        key=key, meant=close[0]),
                )


def _text(raw: LineDict, key: str, log: ProblemLog) -> str | None:
    value = raw[key]
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or UNPRINTABLE.search(str(value)):
        log.error(SITE_FILE, raw.line_of(key), _("'{key}:' must be text; put it in quotes").format(key=key))
        return None
    return str(value).strip()


def _timezone(raw: LineDict, log: ProblemLog) -> ZoneInfo | None:
    try:
        return ZoneInfo(str(raw["timezone"]))
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: 'Asia' is a folder of zones
        log.error(
            SITE_FILE, raw.line_of("timezone"),
            _("'timezone:' '{value}' is not a time zone name; use one like Asia/Shanghai").format(value=raw["timezone"]),
        )
        return None


def _positive_int(raw: LineDict, key: str, log: ProblemLog) -> int | None:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        log.error(SITE_FILE, raw.line_of(key),
                  _("'{key}:' must be a whole number above 0, e.g. {key}: 10").format(key=key))
        return None
    return value


def _hosts(raw: LineDict, log: ProblemLog) -> tuple[str, ...] | None:
    value = raw["allow_iframe_hosts"]
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
        log.error(
            SITE_FILE, raw.line_of("allow_iframe_hosts"),
            _("'allow_iframe_hosts:' must be a list of host names, e.g. allow_iframe_hosts: [player.example.cn]"),
        )
        return None
    return tuple(h.strip().lower() for h in value)


# Characters a web address cannot hold as they are (whitespace and control characters
# included, which urlsplit drops or keeps without a word).
NOT_IN_URL = re.compile(r'[\x00-\x20\x7f-\x9f<>"`{}|\\^\s]')
BRACKETED_HOST = re.compile(r"^\[[0-9A-Fa-f:.]+\](:\d*)?$")


def is_web_address(url: str) -> bool:
    """An http(s) address with a host that a browser would take as written:
    no spaces, a port up to 65535, an IPv6 host in whole brackets."""
    if NOT_IN_URL.search(url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port past 65535 or not a number
    except ValueError:  # e.g. 'http://[::1/', an IPv6 host whose bracket is not closed
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.netloc.rpartition("@")[2]
    if "[" not in host and "]" not in host:
        return True
    try:
        ipaddress.IPv6Address(parts.hostname)
    except ValueError:
        return False
    return bool(BRACKETED_HOST.match(host))


def _base_url(url, raw: LineDict, log: ProblemLog, from_command_line: bool) -> str | None:
    if not is_web_address(str(url)):
        where = "--base-url" if from_command_line else "'base_url:'"
        log.error(
            SITE_FILE, raw.line_of("base_url"),
            _("{where} '{url}' is not a web address; write it with http:// or https://, like "
              "https://example.cn/digest/").format(where=where, url=url),
        )
        return None
    return str(url).rstrip("/") + "/"
