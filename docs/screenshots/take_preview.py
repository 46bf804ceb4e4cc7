"""Retake the editor's guide's screenshots of the preview: python docs/screenshots/take_preview.py

Copies the sample content into a temporary folder, adds a report as `new` writes
it, starts `build.py serve` there and photographs, with Debian's Chromium at
desktop width: the preview of that report, the box with a warning only (the page
is up to date), and the box with an error and a warning (the last good page under
it), as an editor sees them after two slips: `tag:` for `tags:`, a picture's wrong path. The messages are in the sample
site's language (Chinese), from the build's own catalog.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright
from take import CHROMIUM_ARGS, PROJECT, shrink

HERE = Path(__file__).resolve().parent
TITLE = "梧桐镇设立三处交通卡口"
REPORT = "articles/2026/2026-11-30-wu-tong-zhen.md"
GOOD = f"""---
title: {TITLE}
date: 2026-11-30 09:30
author: 张世川
place: 梧桐镇
tags: [疫情防控, 卡口值守]
---
11月30日起，梧桐镇在三个主要路口设立交通卡口，对进镇车辆和人员逐一测温登记。
"""
WARNED = GOOD.replace("tags: [疫情防控, 卡口值守]", "tag: [疫情防控, 卡口值守]")
BROKEN = WARNED + "\n![梧桐镇卡口](media/wutong-kakou.jpg)\n"  # no such picture, and not beside this file
VIEWPORT = {"width": 1280, "height": 720}
WAIT_MS = 60_000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(PROJECT / "content", root / "content")
        report = root / "content" / REPORT
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(GOOD, encoding="utf-8")
        server, url = start(root)
        try:
            shoot(url + "articles/wu-tong-zhen/", report)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)


def start(root: Path) -> tuple[subprocess.Popen, str]:
    """`build.py serve` on any free port; its address once it has built."""
    log = (root / "serve.txt").open("w")
    server = subprocess.Popen([sys.executable, str(PROJECT / "build.py"), "serve", "--port", "0"],
                              cwd=root, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.search(r"http://127\.0\.0\.1:\d+/", (root / "serve.txt").read_text(encoding="utf-8"))
        if found:
            return server, found.group()
        time.sleep(0.2)
    server.kill()
    raise SystemExit("the preview did not start:\n" + (root / "serve.txt").read_text(encoding="utf-8"))


def shoot(url: str, report: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT, color_scheme="light")
        page.goto(url, wait_until="networkidle")
        box = page.locator("#digest-preview-problems")
        take(page, "preview-page")
        report.write_text(WARNED, encoding="utf-8")
        expect(box).to_have_class("only-warnings", timeout=WAIT_MS)
        take(page, "preview-warnings")
        report.write_text(BROKEN, encoding="utf-8")
        expect(box).to_have_class("has-errors", timeout=WAIT_MS)
        take(page, "preview-errors")
        browser.close()


def take(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    target = HERE / f"{name}.png"
    page.screenshot(path=str(target))
    shrink(target)
    print(f"{target.relative_to(PROJECT)}: {target.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
