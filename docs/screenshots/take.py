"""Retake the README's screenshots: python docs/screenshots/take.py

Builds the sample site into a temporary folder, serves it on 127.0.0.1 and
photographs the front page, an article and the timeline at desktop (1280 px)
and phone (390 px) width with Debian's Chromium. PNGs are palette-reduced to
stay small in the repository.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
PAGES = {"front": "", "article": "articles/yima/", "timeline": "timeline/"}
SCREENS = {"desktop": ({"width": 1280, "height": 800}, 1), "phone": ({"width": 390, "height": 844}, 2)}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:
        pass


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "output"
        subprocess.run([sys.executable, str(PROJECT / "build.py"), "--content", str(PROJECT / "content"),
                        "--output", str(site)], check=True, capture_output=True)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            shoot(f"http://127.0.0.1:{server.server_port}/")
        finally:
            server.shutdown()


def shoot(base_url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for screen, (viewport, scale) in SCREENS.items():
            page = browser.new_page(viewport=viewport, device_scale_factor=scale, color_scheme="light")
            for name, url in PAGES.items():
                page.goto(base_url + url, wait_until="networkidle")
                target = HERE / f"{name}-{screen}.png"
                page.screenshot(path=str(target))
                shrink(target)
                print(f"{target.relative_to(PROJECT)}: {target.stat().st_size // 1024} KB")
            page.close()
        browser.close()


def shrink(path: Path) -> None:
    """256 colours are plenty for text and a few photos, at a quarter of the size."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


if __name__ == "__main__":
    main()
