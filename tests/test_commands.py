"""Commands that work as printed: the README's, the ones `new` writes into a report and
prints, run as typed in a copy of the project after the quick start (no activation);
and `python build.py` run with a Python without the libraries says which one to use."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from conftest import PROJECT, ctrl_c_works
from digest import commands
from digest.commands import command, early_language, wrong_python

VENV_PYTHON = ".venv/bin/python"  # the README's Linux and macOS form
PROGRAM_FILES = ["build.py", "digest", "templates", "static", "content", "README.md", "pyproject.toml"]
GUIDE = PROJECT / "docs" / "编辑手册.md"
BARE_PYTHON = re.compile(r"(?<![\w/.\\-])python3? build\.py")
STOPPED = "预览已停止"  # the preview's last line; the sample site is Chinese, and so are its messages
PUBLISHED = "：已发布"  # the publishing loop's line for each build, in Chinese as well


def readme_commands(*documents: Path) -> list[str]:
    """Every build.py command in the code blocks of the README (and the other documents)
    that a reader would type, once each (a synopsis with [OPTIONS] is not one)."""
    lines = []
    for document in (PROJECT / "README.md", *documents):
        text = document.read_text(encoding="utf-8")
        blocks = re.findall(r"^ *```[a-z]*\n(.*?)^ *```", text, flags=re.S | re.M)
        lines += [line.strip() for block in blocks for line in block.splitlines()]
    typed = [line for line in lines if line.startswith(f"{VENV_PYTHON} build.py") and "[" not in line]
    return list(dict.fromkeys(typed))


def project_copy(root: Path) -> Path:
    """The project as the quick start leaves it: its files, and `.venv` with the libraries."""
    copy = root / "project"
    copy.mkdir()
    for name in PROGRAM_FILES:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    (copy / ".venv").symlink_to(Path(sys.prefix))
    return copy


def run_as_typed(line: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(shlex.split(line), cwd=cwd, capture_output=True, text=True, timeout=timeout)


def serve_as_typed(line: str, cwd: Path) -> str:
    """Start the preview as typed (on any free port: 8000 may be taken on this machine),
    wait for its address, stop it with Ctrl-C; what it printed."""
    return interrupted_once_printed(shlex.split(line) + ["--port", "0"], cwd, "http://127.0.0.1:")


def publish_as_typed(line: str, cwd: Path) -> str:
    """Start the publishing loop as typed, wait for its first build, stop it with Ctrl-C."""
    return interrupted_once_printed(shlex.split(line), cwd, PUBLISHED)


def interrupted_once_printed(command: list[str], cwd: Path, awaited: str) -> str:
    """Run a command that runs until stopped; once it prints ``awaited``, Ctrl-C; it ends with 0."""
    process = subprocess.Popen(command, cwd=cwd, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               preexec_fn=ctrl_c_works)
    try:
        started = process.stdout.readline()
        deadline = time.monotonic() + 120
        while awaited not in started and time.monotonic() < deadline and process.poll() is None:
            started += process.stdout.readline()
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
    assert process.returncode == 0, started + rest
    return started + rest


def printed_commands(text: str) -> list[str]:
    """The build.py commands in something the program printed or wrote."""
    return re.findall(rf"{re.escape(VENV_PYTHON)} build\.py[^\n`。；;]*", text)


def test_the_readme_calls_the_projects_python_by_its_path():
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert [line for line in text.splitlines() if BARE_PYTHON.search(line)] == []
    typed = [line.split()[2] if len(line.split()) > 2 else "build" for line in readme_commands()]
    assert set(typed) >= {"new", "serve", "check", "build"}
    assert r".venv\Scripts\python build.py" in text  # and the Windows form


def test_no_message_names_a_bare_python():
    """A message that names a command builds it with commands.command(), for this system."""
    for source in [PROJECT / "build.py", *(PROJECT / "digest").glob("*.py")]:
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            if "print(" in line or "_(" in line or "_fail(" in line:
                assert not BARE_PYTHON.search(line), f"{source.name}:{number}: {line.strip()}"


def test_the_commands_of_the_readme_the_guide_and_new_run_as_typed(tmp_path):
    copy = project_copy(tmp_path)
    ran = []
    for line in readme_commands(GUIDE):
        if " serve" in line:
            assert STOPPED in serve_as_typed(line, copy)
        elif " publish" in line:
            assert PUBLISHED in publish_as_typed(line, copy)
        else:
            result = run_as_typed(line, copy)
            assert result.returncode == 0, f"{line}\n{result.stderr[-3000:]}"
            if " new " in line:
                report = copy / result.stdout.strip()
                told = printed_commands(result.stderr) + printed_commands(report.read_text(encoding="utf-8"))
                assert {c.split()[2] for c in told} == {"serve", "check"}, told
                for follow_up in told:
                    if " serve" in follow_up:
                        assert STOPPED in serve_as_typed(follow_up, copy)
                    else:
                        assert run_as_typed(follow_up, copy).returncode == 0, follow_up
                    ran.append(follow_up)
        ran.append(line)
    assert (copy / "output" / "index.html").is_file()
    assert len(ran) >= 6, ran


def test_the_digest_script_runs_the_same_main_as_build_py(tmp_path):
    """pip writes `.venv/bin/digest` as `from digest.cli import main; sys.exit(main())`."""
    scripts = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"digest": "digest.cli:main"}
    as_script = subprocess.run(
        [sys.executable, "-c", "import sys; from digest.cli import main; sys.exit(main())", "check", "--content", "nowhere"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    as_program = subprocess.run([sys.executable, str(PROJECT / "build.py"), "check", "--content", "nowhere"],
                                cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert as_script.returncode == as_program.returncode == 2
    assert as_script.stderr.splitlines()[-1] == as_program.stderr.splitlines()[-1]


def test_python_without_the_libraries_says_which_python_to_use(tmp_path):
    """`python build.py check` outside the venv: one line, exit 2, no ModuleNotFoundError."""
    copy = project_copy(tmp_path)
    result = subprocess.run([sys.executable, "-I", "-S", "build.py", "check", "--lang", "en"],
                            cwd=copy, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("error: this Python (")
    assert line.endswith(": .venv/bin/python build.py check --lang en")


def test_without_a_venv_it_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.setattr(commands, "missing_libraries", lambda: ["jinja2"])
    monkeypatch.setattr(commands, "PROJECT_DIR", tmp_path)
    message = wrong_python(["build.py", "check", "--lang", "en"])
    assert message.startswith("error: this Python (") and "jinja2 is missing" in message
    assert message.endswith(": python3 -m venv .venv, then .venv/bin/python -m pip install -e .")


def test_with_the_libraries_nothing_is_said():
    assert commands.missing_libraries() == []
    assert wrong_python(["build.py", "check"]) is None


def test_every_dependency_is_checked():
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {re.match(r"[A-Za-z0-9_.-]+", requirement).group().lower() for requirement in project["dependencies"]}
    assert names == set(commands.LIBRARIES)


@pytest.mark.parametrize("args, windows, shown", [
    (("check",), False, ".venv/bin/python build.py check"),
    (("check",), True, r".venv\Scripts\python build.py check"),
    (("new", "驿马乡 启动"), False, ".venv/bin/python build.py new '驿马乡 启动'"),
    (("new", "驿马乡 启动"), True, r'.venv\Scripts\python build.py new "驿马乡 启动"'),
])
def test_a_command_is_written_for_the_system(monkeypatch, args, windows, shown):
    monkeypatch.chdir(PROJECT)
    python = PROJECT / (r".venv/Scripts/python.exe" if windows else ".venv/bin/python")
    assert command(*args, python=str(python), windows=windows) == shown


def test_a_command_from_another_folder_names_the_program_whole(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert command("serve", python="/usr/bin/python3", windows=False) == f"/usr/bin/python3 {PROJECT}/build.py serve"


@pytest.mark.parametrize("args, site, language", [
    (["check", "--lang", "en"], "language: zh-CN\n", "en"),
    (["check", "--lang=en"], "language: zh-CN\n", "en"),
    (["check"], "title: x\nlanguage: 'en-US'\n", "en-US"),
    (["check"], "title: x\n", "zh-CN"),
])
def test_the_language_is_known_before_yaml_can_be_read(tmp_path, monkeypatch, args, site, language):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "site.yaml").write_text(site, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert early_language(args) == language


@pytest.mark.parametrize("script, expected", [
    ("print('written', end='')", "written"),  # what is still in the buffer is written first
    ("threading.Thread(target=lambda: (time.sleep(0.3), print('thread finished'))).start()", "thread finished\n"),
], ids=["buffered", "thread"])
def test_build_py_ends_at_once_only_with_its_output_written_and_nothing_running(script, expected):
    program = (f"import sys, threading, time; sys.path.insert(0, {str(PROJECT)!r}); import build\n"
               f"{script}\nbuild.exit_now(3)\n")
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, env=buffered)
    assert (result.returncode, result.stdout, result.stderr) == (3, expected, "")
