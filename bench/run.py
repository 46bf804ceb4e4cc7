"""Benchmark our digest build against Pelican and Hugo on the same generated corpus.

    python bench/run.py [--sizes 1000,10000] [--repeat 3] [--tools digest,pelican,hugo,hugo-pagefind]
                        [--builds cold,noop,edit,preview] [--huge] [--keep] [--out FILE]
    python bench/run.py --against REV [--sizes 10000] [--repeat 11] [--digest-at REV]

For each size it writes one corpus per tool (bench/corpus.py, same reports in each
tool's format) under bench/work/, then, per repetition and tool, times three builds:

- cold:   output folder and caches removed first
- noop:   rebuild with nothing changed
- edit:   rebuild after appending a sentence to one article

and, with ``preview`` among the builds, the live preview of the tools that have one
(ours: ``build.py serve``; Hugo: ``hugo server``), measured the same way for both:
ready after a start with no state, the time from appending a marked line to a report
to its page showing the marker (polled over HTTP; median of 5 saves), and ready after
a restart on the state the first run kept.

With ``--against REV`` it times instead one report's edits in pairs, built in turns by
ours at REV and ours now (:func:`paired_edits`), which is how a lever of a few percent is
told from the machine's noise.

Each build runs as a child process; os.wait4 gives its CPU time (user + sys) and
peak resident memory. The medians go to stdout and bench/results.md as Markdown.
Pelican (into bench/work/pelican-venv) and Hugo (Debian package) are installed if missing.
"""

import argparse
import datetime
import io
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import corpus

# Where our build keeps its incremental cache, relative to the content folder.
DIGEST_CACHE = "../.digest-cache"

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work"
PELICAN_VENV = WORK / "pelican-venv"
PELICAN_REQUIREMENT = "pelican>=4.12,<4.13"
RESULTS = BENCH / "results.md"
BUILDS = ("cold", "noop", "edit")
PREVIEW = "preview"  # the pseudo-build that measures the live preview
TIMEOUT = 3600  # seconds for one build before it is killed
# The corpus is left this long before the first build, as an editor's files are: our
# build trusts a file's stamp only when it was not changed within two seconds of being
# stamped (digest/unchanged.py), so a cold build started the moment the corpus is
# written would leave a record the next (no-change) build cannot trust.
SETTLED_SECONDS = 2.5
HUGE = 100_000  # the scale run, only with --huge (a cold build of ours takes about 10 minutes)
LARGEST_PLAIN = 20_000  # larger --sizes need --huge too
PREVIEW_EDITS = 5  # saves timed per preview run; the table shows their median
POLL_SECONDS = 0.01  # how often the page is fetched while waiting for the marker
QUIET_SECONDS = 1.0  # a server that used no CPU for QUIET_CHECKS such spans in a row has finished its work
QUIET_CHECKS = 2  # (a starved process on a busy machine can look quiet for one)


class Failed(Exception):
    """A build (or an install) did not succeed."""


def run_quiet(cmd, **kwargs):
    """Run a setup command, returning its output; raise Failed if it fails."""
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise Failed(f"{' '.join(map(str, cmd))} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout.strip()


class Tool:
    """What every tool shares: where its site and output live."""

    name = "tool"

    def site(self, size):
        """Return the folder of this tool's corpus for size."""
        return WORK / f"n{size}" / self.name

    def output(self, site):
        """Return the output folder."""
        return site / "output"


class Digest(Tool):
    """Our generator: python build.py --content DIR --output DIR, run from the repo root."""

    name = "digest"
    root = ROOT  # the working tree, or a snapshot of one commit (--digest-at)
    commit = None

    def use_commit(self, rev, folder=WORK / "snapshot"):
        """Build from commit rev, extracted with git archive into folder."""
        remove(folder)
        folder.mkdir(parents=True)
        self.commit = run_quiet(["git", "rev-parse", "--short", rev], cwd=ROOT)
        tar = subprocess.run(["git", "archive", "--format=tar", self.commit], cwd=ROOT,
                             capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
            archive.extractall(folder, filter=data_or_nothing)
        self.root = folder

    def install(self):
        """Check that build.py exists, and compile our code as its first run on a user's machine
        leaves it (``__pycache__``), which a snapshot, or an environment with
        PYTHONDONTWRITEBYTECODE set, would otherwise compile again in every timed build."""
        if not (self.root / "build.py").exists():
            raise Failed(f"{self.root / 'build.py'} does not exist yet")
        run_quiet([self.python(), "-m", "compileall", "-q", "digest", "build.py"], cwd=self.root)

    def python(self):
        """Return the project's venv python, else this interpreter."""
        venv = ROOT / ".venv" / "bin" / "python"
        return str(venv) if venv.exists() else sys.executable

    def version(self):
        """Return the commit built, noting uncommitted changes in the working tree."""
        if self.commit:
            return f"commit {self.commit} (snapshot)"
        try:
            rev = run_quiet(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT)
        except Failed:
            return "no commit yet"
        dirty = run_quiet(["git", "status", "--porcelain"], cwd=ROOT)
        return f"commit {rev}" + (" + uncommitted changes" if dirty else "")

    def write_corpus(self, site, size):
        """Write the corpus in our format into site/content."""
        corpus.generate(size, site / "content", "digest")

    def articles(self, site):
        """Return the folder holding the article files."""
        return site / "content" / "articles"

    def caches(self, site):
        """Return the folders a cold build must not find."""
        return [(site / "content" / DIGEST_CACHE).resolve()]

    def command(self, site):
        """Return the build command and its working directory."""
        cmd = [self.python(), "build.py", "--content", str(site / "content"),
               "--output", str(self.output(site))]
        return cmd, self.root

    def serve_command(self, site, port):
        """Return the live preview's command and its working directory."""
        return [self.python(), "build.py", "serve", "--content", str(site / "content"), "--port", str(port)], self.root

    def preview_state(self, site):
        """Return what the preview keeps between runs (removed before the first start)."""
        return [site / ".digest-preview"]


def data_or_nothing(member, path):
    """tarfile's "data" filter, leaving out what it refuses (a test fixture's link out of the
    tree) instead of failing: the build needs none of it."""
    try:
        return tarfile.data_filter(member, path)
    except tarfile.FilterError:
        return None


class Pelican(Tool):
    """Pelican with its default theme, in its own venv."""

    name = "pelican"

    def install(self):
        """Create bench/work/pelican-venv with Pelican 4.12 and Markdown unless it is there."""
        if (PELICAN_VENV / "bin" / "pelican").exists():
            return
        print(f"installing Pelican into {PELICAN_VENV} ...", flush=True)
        run_quiet([sys.executable, "-m", "venv", str(PELICAN_VENV)])
        run_quiet([str(PELICAN_VENV / "bin" / "pip"), "install", "-q", PELICAN_REQUIREMENT, "markdown"])

    def version(self):
        """Return Pelican's and Python-Markdown's versions."""
        code = "import pelican, markdown; print(pelican.__version__, markdown.__version__)"
        pel, md = run_quiet([str(PELICAN_VENV / "bin" / "python"), "-c", code]).split()
        return f"Pelican {pel}, Markdown {md}"

    def write_corpus(self, site, size):
        """Write the corpus as a Pelican project."""
        corpus.generate(size, site, "pelican")

    def articles(self, site):
        """Return the folder holding the article files."""
        return site / "content" / "articles"

    def caches(self, site):
        """Return Pelican's cache folder (unused with caching off, removed anyway)."""
        return [site / "cache", site / "__pycache__"]

    def command(self, site):
        """Return the build command and its working directory."""
        cmd = [str(PELICAN_VENV / "bin" / "pelican"), "content", "-s", "pelicanconf.py",
               "-o", str(self.output(site)), "-q"]
        return cmd, site


class Hugo(Tool):
    """Hugo from Debian's package, with the minimal layouts corpus.py writes."""

    name = "hugo"

    def install(self):
        """apt-get install hugo unless it is on PATH; Failed if Debian has no candidate."""
        if shutil.which("hugo"):
            return
        if self.candidate() is None:
            print("running apt-get update ...", flush=True)
            run_quiet(["apt-get", "update"])
        if self.candidate() is None:
            raise Failed("Debian offers no hugo package here (apt-cache policy hugo: no candidate)")
        print(f"installing hugo {self.candidate()} with apt-get ...", flush=True)
        run_quiet(["apt-get", "install", "-y", "hugo"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})

    def candidate(self):
        """Return the candidate version apt-cache policy shows for hugo, or None."""
        try:
            policy = run_quiet(["apt-cache", "policy", "hugo"])
        except (Failed, FileNotFoundError):
            return None
        found = re.search(r"Candidate:\s*(\S+)", policy)
        return found.group(1) if found and found.group(1) != "(none)" else None

    def version(self):
        """Return `hugo version`, shortened."""
        return run_quiet(["hugo", "version"]).split(" BuildDate")[0]

    def write_corpus(self, site, size):
        """Write the corpus as a Hugo site."""
        corpus.generate(size, site, "hugo")

    def articles(self, site):
        """Return the folder holding the article files."""
        return site / "content" / "posts"

    def output(self, site):
        """Return the output folder."""
        return site / "public"

    def caches(self, site):
        """Return Hugo's generated-resources folder and lock file."""
        return [site / "resources", site / ".hugo_build.lock"]

    def command(self, site):
        """Return the build command and its working directory."""
        return ["hugo", "--source", str(site), "--destination", str(self.output(site)), "--quiet"], site

    def serve_command(self, site, port):
        """Return `hugo server` (rendering to memory, its default) on port, and its working directory."""
        return ["hugo", "server", "--source", str(site), "--bind", "127.0.0.1", "--port", str(port),
                "--baseURL", f"http://127.0.0.1:{port}/", "--appendPort=false"], site

    def preview_state(self, site):
        """Return what `hugo server` could keep between runs."""
        return self.caches(site)


class HugoPagefind(Hugo):
    """Hugo, then Pagefind over its HTML (`pagefind --site public`): a site with the search ours has.

    Pagefind is the binary of the pip package our build uses (pagefind[extended], in the project's
    venv), run on every page Hugo wrote, as a Hugo site would add search.
    """

    name = "hugo-pagefind"
    serve_command = None  # its preview is `hugo server`'s, measured as `hugo`

    def install(self):
        """Hugo as for `hugo`, and the project's Pagefind binary."""
        super().install()
        self.pagefind = run_quiet([TOOLS["digest"].python(), "-c",
                                   "import pagefind_bin_extended; print(pagefind_bin_extended.get_executable())"])

    def version(self):
        """Return Hugo's and Pagefind's versions."""
        return f"{super().version()}, {run_quiet([self.pagefind, '--version'])}"

    def caches(self, site):
        """Hugo's, and the search index Pagefind writes into the output."""
        return super().caches(site) + [self.output(site) / "pagefind"]

    def command(self, site):
        """Hugo's build, then Pagefind on its output, in one shell (its rusage holds both)."""
        hugo, _ = super().command(site)
        pagefind = [self.pagefind, "--site", str(self.output(site)), "--silent"]
        script = " ".join(map(shlex.quote, hugo)) + " && " + " ".join(map(shlex.quote, pagefind))
        return ["sh", "-c", script], site


TOOLS = {tool.name: tool for tool in (Digest(), Pelican(), Hugo(), HugoPagefind())}


def remove(path):
    """Delete a file or folder if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def measure(cmd, cwd, log):
    """Run cmd; return (wall s, CPU s, peak RSS MB); raise Failed on a non-zero exit."""
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        timer = threading.Timer(TIMEOUT, proc.kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:])
        raise Failed(f"exit status {proc.returncode}; end of {log}:\n{tail}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def count_pages(folder):
    """Return the number of .html files under folder."""
    return sum(1 for _ in folder.rglob("*.html"))


def middle_article(tool, site):
    """Return the path of the middle article (the same report in every flavor)."""
    files = sorted(p.relative_to(tool.articles(site)) for p in tool.articles(site).rglob("*.md"))
    return tool.articles(site) / files[len(files) // 2]


def edit_article(tool, site, rep):
    """Append a sentence to the middle article."""
    with open(middle_article(tool, site), "a", encoding="utf-8", newline="\n") as f:
        f.write(f"\n记者第{rep + 1}次回访时，群众对此表示满意。\n")


# --- the live preview ---------------------------------------------------------------


def free_port():
    """Return a TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch_page(url):
    """Return the page's text, or None while the server cannot answer it."""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


def wait_for_page(url, proc, marker=None, timeout=TIMEOUT):
    """Poll url until it answers (and shows marker); return the seconds waited."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise Failed(f"the server stopped (exit status {proc.returncode})")
        text = fetch_page(url)
        if text is not None and (marker is None or marker in text):
            return time.perf_counter() - start
        time.sleep(POLL_SECONDS)
    raise Failed(f"{url} did not {'show ' + marker if marker else 'answer'} within {timeout} s")


def group_cpu(pgid):
    """Return the CPU seconds so far of the live processes in process group pgid."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_until_quiet(proc, timeout=600):
    """Wait until the server and its children have used no CPU for QUIET_SECONDS (so the
    work a save started, search index included, is done before the next save)."""
    start, last, quiet = time.perf_counter(), group_cpu(proc.pid), 0
    while time.perf_counter() - start < timeout:
        time.sleep(QUIET_SECONDS)
        now = group_cpu(proc.pid)
        quiet = quiet + 1 if now - last < 0.02 else 0
        if quiet == QUIET_CHECKS:
            return
        last = now


def start_server(tool, site, port, log):
    """Start the tool's preview server in its own process group, its output into log."""
    cmd, cwd = tool.serve_command(site, port)
    out = open(log, "a", encoding="utf-8")
    out.write(f"\n$ {' '.join(cmd)}\n")
    out.flush()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    out.close()
    return proc


def stop_server(proc):
    """Stop the server as Ctrl-C would; kill its group if it does not stop within 60 s.
    Return its peak resident memory in MB (the largest of it and its children)."""
    os.killpg(proc.pid, signal.SIGINT)
    timer = threading.Timer(60, lambda: os.killpg(proc.pid, signal.SIGKILL))
    timer.start()
    _, _, usage = os.wait4(proc.pid, 0)
    timer.cancel()
    proc.returncode = 0
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # a worker left behind
    except ProcessLookupError:
        pass
    return usage.ru_maxrss / 1024


def measure_preview(tool, site, log):
    """Time the tool's live preview; return (ready s, [save -> page s], restart ready s, peak MB)."""
    for path in tool.preview_state(site):
        remove(path)
    port = free_port()
    article = middle_article(tool, site)
    slug = article.stem[len("YYYY-MM-DD-"):]
    url = f"http://127.0.0.1:{port}/articles/{slug}/"
    os.sync()
    proc = start_server(tool, site, port, log)
    try:
        ready = wait_for_page(url, proc)
        saves = []
        for number in range(PREVIEW_EDITS):
            wait_until_quiet(proc)
            marker = f"previewmark{number}x{port}"
            with open(article, "a", encoding="utf-8", newline="\n") as f:
                f.write(f"\n记者回访{marker}。\n")
            saves.append(wait_for_page(url, proc, marker, timeout=600))
        wait_until_quiet(proc)
    finally:
        peak = stop_server(proc)
    os.sync()
    proc = start_server(tool, site, port, log)  # the same port: the same address in the pages
    try:
        restart = wait_for_page(url, proc)
    finally:
        peak = max(peak, stop_server(proc))
    return ready, saves, restart, peak


def preview_round(tool, site, log):
    """Measure the preview once and print it; return its sample."""
    ready, saves, restart, peak = measure_preview(tool, site, log)
    print(f"  {tool.name:8} preview: ready {ready:6.2f} s, saves " + " ".join(f"{s:.2f}" for s in saves)
          + f" s, restart ready {restart:6.2f} s, {peak:.0f} MB", flush=True)
    return ready, statistics.median(saves), restart, peak, saves


def one_round(tool, site, rep, log, builds=BUILDS):
    """Time the chosen builds once; return {build: (wall, cpu, rss, pages)}."""
    cmd, cwd = tool.command(site)
    row = {}
    for build in builds:
        if build == PREVIEW:
            if getattr(tool, "serve_command", None):
                row[build] = preview_round(tool, site, log)
            continue
        if build == "cold":
            for path in [tool.output(site), *tool.caches(site)]:
                remove(path)
        if build == "edit":
            edit_article(tool, site, rep)
        os.sync()  # so the last build's writes are not flushed on this one's time
        wall, cpu, rss = measure(cmd, cwd, log)
        row[build] = (wall, cpu, rss, count_pages(tool.output(site)))
        print(f"  {tool.name:8} {build:5} rep {rep + 1}: {wall:7.2f} s wall {cpu:7.2f} s CPU "
              f"{rss:7.0f} MB {row[build][3]:6} pages", flush=True)
    return row


def fresh_corpora(tools, size):
    """Write each tool's corpus for size anew, with an empty log, and let it settle."""
    for tool in tools:
        remove(tool.site(size))
        tool.write_corpus(tool.site(size), size)
        remove(WORK / "logs" / f"{tool.name}-{size}.log")
    time.sleep(SETTLED_SECONDS)  # see SETTLED_SECONDS


def bench_size(tools, size, repeat, builds=BUILDS):
    """Write the corpora for size and time every tool; return {(tool, build): [samples]}."""
    samples = {}
    fresh_corpora(tools, size)
    broken = set()
    for rep in range(repeat):
        for tool in tools:
            if tool.name in broken:
                continue
            try:
                row = one_round(tool, tool.site(size), rep, WORK / "logs" / f"{tool.name}-{size}.log", builds)
            except Failed as err:
                print(f"  {tool.name} FAILED at size {size}: {err}", flush=True)
                broken.add(tool.name)
                continue
            for build, sample in row.items():
                samples.setdefault((tool.name, build), []).append(sample)
    return samples


def paired_edits(size, pairs, before_rev, after):
    """One report edited again and again, built in turns by our build at ``before_rev`` and by
    ``after`` (the working tree or --digest-at), each on its own copy of the corpus and its
    own cache; the order alternates each pair, so a slow minute of the machine hits both.
    Return the report's lines: each side's median wall time, the median of the paired
    differences, and after / before."""
    before = Digest()
    before.name = "digest-before"
    before.use_commit(before_rev, WORK / "snapshot-before")
    sides = (before, after)
    for tool in sides:
        tool.install()
    fresh_corpora(sides, size)
    walls = {tool.name: [] for tool in sides}
    for turn in range(-1, pairs):  # turn -1: a cold build and a first edit each, not counted
        for tool in sides if turn % 2 == 0 else sides[::-1]:
            cmd, cwd = tool.command(tool.site(size))
            log = WORK / "logs" / f"{tool.name}-{size}.log"
            if turn < 0:
                measure(cmd, cwd, log)
            edit_article(tool, tool.site(size), turn + 1)
            os.sync()
            wall, _cpu, _rss = measure(cmd, cwd, log)
            if turn >= 0:
                walls[tool.name].append(wall)
                print(f"  {tool.name:13} edit {turn + 1}: {wall:6.2f} s", flush=True)
    old, new = walls[before.name], walls[after.name]
    differences = [b - a for a, b in zip(old, new)]
    return [
        f"## Edits at {size:,} reports, in pairs: {before.version()} against {after.version()}",
        "",
        f"- {pairs} pairs, built in turns; each side on its own copy of the corpus",
        f"- before: median {statistics.median(old):.3f} s ({' '.join(f'{w:.2f}' for w in old)})",
        f"- after: median {statistics.median(new):.3f} s ({' '.join(f'{w:.2f}' for w in new)})",
        f"- median paired difference (after - before): {statistics.median(differences):+.3f} s; "
        f"after / before: {statistics.median(new) / statistics.median(old):.3f}",
        "",
    ]


def median_row(samples):
    """Return the medians of (wall, cpu, rss) and the pages of the last sample."""
    return [statistics.median(s[k] for s in samples) for k in range(3)] + [samples[-1][3]]


def ratio(value, ours):
    """Return value / ours formatted, or a dash when there is no baseline."""
    return f"{value / ours:.2f}" if ours else "–"


def table(results, tools, builds=BUILDS):
    """Return the Markdown table of medians and ratios against our build."""
    lines = ["| articles | tool | build | wall s | CPU s | peak RSS MB | pages | wall × ours | CPU × ours |",
             "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size, samples in results.items():
        for build in (b for b in builds if b != PREVIEW):
            ours = samples.get(("digest", build))
            base = median_row(ours) if ours else [0, 0, 0, 0]
            for tool in tools:
                runs = samples.get((tool.name, build))
                if not runs:
                    lines.append(f"| {size} | {tool.name} | {build} | failed | | | | | |")
                    continue
                wall, cpu, rss, pages = median_row(runs)
                lines.append(f"| {size} | {tool.name} | {build} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | "
                             f"{pages} | {ratio(wall, base[0])} | {ratio(cpu, base[1])} |")
    return "\n".join(lines)


def preview_table(results, tools):
    """Return the Markdown table of the previews: medians over the repetitions, ratios to ours."""
    lines = ["| articles | tool | ready after start s | save → page s (median of 5) | saves, min–max s "
             "| ready after restart s | peak RSS MB | save × ours | restart × ours |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size, samples in results.items():
        ours = samples.get(("digest", PREVIEW))
        base = [statistics.median(s[k] for s in ours) for k in range(4)] if ours else [0, 0, 0, 0]
        for tool in tools:
            runs = samples.get((tool.name, PREVIEW))
            if not runs:
                continue
            ready, save, restart, peak = (statistics.median(s[k] for s in runs) for k in range(4))
            every = [t for s in runs for t in s[4]]
            lines.append(f"| {size} | {tool.name} | {ready:.2f} | {save:.2f} | {min(every):.2f}–{max(every):.2f} "
                         f"| {restart:.2f} | {peak:.0f} | {ratio(save, base[1])} | {ratio(restart, base[2])} |")
    return "\n".join(lines)


def machine():
    """Return a one-line description of this machine."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1).strip() if found else model
    return f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}, {platform.platform()}"


def report(results, tools, versions, args, load):
    """Return the whole Markdown report."""
    lines = ["# Benchmark results", "",
             f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
             f"- machine: {machine()}",
             f"- load average (1 min): {load}",
             f"- Python: {platform.python_version()}",
             *(f"- {name}: {version}" for name, version in versions.items()),
             f"- command: `python bench/run.py --sizes {args.sizes} --repeat {args.repeat} "
             f"--tools {args.tools} --builds {args.builds}"
             f"{' --digest-at ' + args.digest_at if args.digest_at else ''}`",
             f"- medians of {args.repeat} repetitions; × ours = that tool's median / our median "
             f"(above 1: we are faster)", ""]
    if set(args.build_list) - {PREVIEW}:
        lines += [table(results, tools, args.build_list), ""]
    if PREVIEW in args.build_list:
        lines += [preview_table(results, tools), ""]
    return "\n".join(lines)


def install(names):
    """Install or check each tool; return the usable ones and their versions."""
    tools, versions = [], {}
    for name in names:
        tool = TOOLS[name]
        try:
            tool.install()
            versions[name] = tool.version()
            tools.append(tool)
        except (Failed, OSError) as err:
            print(f"skipping {name}: {err}", flush=True)
    return tools, versions


def parse_args():
    """Parse and check the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each build")
    parser.add_argument("--tools", default="digest,pelican,hugo,hugo-pagefind",
                        help="comma-separated: " + ",".join(TOOLS))
    parser.add_argument("--builds", default=",".join(BUILDS),
                        help=f"comma-separated: {','.join(BUILDS)},{PREVIEW} (the live preview of ours and Hugo's)")
    parser.add_argument("--huge", action="store_true",
                        help=f"the scale run: {HUGE:,} reports, our build only, once (about half an hour); "
                             f"sizes above {LARGEST_PLAIN:,} need this flag")
    parser.add_argument("--out", type=Path, help="where the Markdown report goes (default: bench/results.md; "
                                                 "with --against, only printed)")
    parser.add_argument("--against", metavar="REV",
                        help="instead of the table: edits built in turns by ours at REV and ours now "
                             "(the working tree, or --digest-at), --repeat pairs at each size")
    parser.add_argument("--keep", action="store_true", help="keep corpora and outputs in bench/work/")
    parser.add_argument("--digest-at", metavar="REV",
                        help="build ours from a snapshot of commit REV (git archive) instead of the "
                             "working tree, so edits during a long run cannot change or break it")
    args = parser.parse_args()
    if args.huge:
        args.sizes, args.tools, args.repeat = str(HUGE), "digest", 1
    args.build_list = args.builds.split(",")
    if set(args.build_list) - {*BUILDS, PREVIEW}:
        parser.error(f"--builds takes some of {','.join(BUILDS)},{PREVIEW}")
    if args.build_list[0] != "cold" and set(args.build_list) & {"noop", "edit"}:
        parser.error("noop and edit builds follow a cold one: list cold first")
    unknown = set(args.tools.split(",")) - set(TOOLS)
    if unknown:
        parser.error(f"unknown tool(s): {', '.join(sorted(unknown))}")
    try:
        args.size_list = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        parser.error("--sizes takes comma-separated integers, e.g. 1000,10000")
    if args.repeat < 1 or min(args.size_list) < 1:
        parser.error("--repeat and --sizes must be positive")
    if max(args.size_list) > LARGEST_PLAIN and not args.huge:
        parser.error(f"sizes above {LARGEST_PLAIN:,} take long: use --huge for the {HUGE:,}-report run")
    return args


def main():
    """Install the peers, run the benchmark, print and save the table."""
    args = parse_args()
    (WORK / "logs").mkdir(parents=True, exist_ok=True)
    if args.digest_at:
        TOOLS["digest"].use_commit(args.digest_at)
    if args.against:
        return compare(args)
    tools, versions = install(args.tools.split(","))
    if not tools:
        return 1
    load_before = f"{os.getloadavg()[0]:.1f}"
    if os.getloadavg()[0] > 0.5:
        print(f"note: load average is {load_before}; other work will show in the wall times", flush=True)
    results = {}
    for size in args.size_list:
        print(f"size {size}: writing corpora ...", flush=True)
        results[size] = bench_size(tools, size, args.repeat, args.build_list)
        if not args.keep:
            remove(WORK / f"n{size}")
    load = f"{load_before} before, {os.getloadavg()[0]:.1f} after"
    text = report(results, tools, versions, args, load)
    out = args.out or RESULTS
    out.write_text(text, encoding="utf-8")
    print("\n" + text)
    print(f"written to {out}")
    return 0


def compare(args):
    """--against: paired edits at each size (:func:`paired_edits`), printed, and written to --out if given."""
    lines = [f"- date: {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}",
             f"- machine: {machine()}", f"- command: `python bench/run.py {shlex.join(sys.argv[1:])}`", ""]
    for size in args.size_list:
        print(f"size {size}: writing two copies of the corpus ...", flush=True)
        try:
            lines += paired_edits(size, args.repeat, args.against, TOOLS["digest"])
        except Failed as err:
            print(f"FAILED: {err}", flush=True)
            return 1
        if not args.keep:
            remove(WORK / f"n{size}")
    text = "\n".join(lines)
    print("\n" + text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
