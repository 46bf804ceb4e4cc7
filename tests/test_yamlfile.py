"""YAML: safe, line-aware, and never a hang or a traceback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest import yamlfile
from digest.yamlfile import LineDict, LineList, YamlProblem, load_yaml


def problem(text: str, first_line: int = 1) -> tuple[int, str]:
    with pytest.raises(YamlProblem) as caught:
        load_yaml(text, first_line)
    return caught.value.line, caught.value.message


def test_values_and_list_items_know_their_file_lines():
    data = load_yaml("title: 驿马乡\ntags:\n  - 疫情防控\n  - 基层党建\nphotos:\n  - src: a.jpg\n    caption: 卡口\n", first_line=2)
    assert isinstance(data, LineDict) and isinstance(data["tags"], LineList)
    assert (data.line_of("title"), data.line_of("tags")) == (2, 4)
    assert [data["tags"].line_at(0), data["tags"].line_at(1)] == [4, 5]
    assert data["photos"][0].line_of("caption") == 8


def test_a_block_value_starts_below_its_key():
    data = load_yaml("a: 1\ndetail: |\n  第一行\n  第二行\nplace: x\n")
    assert (data.line_of("detail"), data.text_line("detail"), data.text_line("place")) == (2, 3, 5)


def test_unicode_line_separators_do_not_shift_lines():
    data = load_yaml('title: "甲\u2028乙"\ndate: x\n')
    assert data.line_of("date") == 2


def test_dates_stay_text_for_our_own_parser():
    assert load_yaml("date: 2020-02-30\nother: 2020-01-30 09:00\n") == {"date": "2020-02-30", "other": "2020-01-30 09:00"}


def test_a_key_given_twice_is_an_error_at_the_second():
    assert problem("title: a\ndate: b\ntitle: c\n") == (
        3, "'title:' is given twice (first on line 1); keep only one of them")


def test_python_tags_are_refused_not_run(tmp_path):
    marker = tmp_path / "ran"
    line, message = problem(f"title: !!python/object/apply:os.system ['touch {marker}']\n")
    assert (line, "YAML reads as a type" in message) == (1, True)
    assert not marker.exists()


def test_a_billion_laughs_is_refused_at_once():
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    started = time.monotonic()
    line, message = problem("\n".join(lines) + "\n")
    assert time.monotonic() - started < 1
    assert line == 2 and message.startswith("'*a' repeats a whole list or mapping")


def test_merge_keys_and_recursive_aliases_are_refused_but_scalar_aliases_are_fine():
    assert problem("base: &b {x: 1}\nother:\n  <<: *b\n")[0] == 3
    assert problem("a: &a [*a]\n")[0] == 1
    assert load_yaml("a: &n 驿马乡\nb: *n\n") == {"a": "驿马乡", "b": "驿马乡"}


@pytest.mark.parametrize("text", ["a: " + "[" * 5000 + "]" * 5000, "".join("  " * i + f"k{i}:\n" for i in range(3000))])
def test_deep_nesting_is_an_error_not_a_stack_overflow(text):
    line, message = problem(text)
    assert "nested more than" in message


def test_a_number_too_long_for_python_is_an_error():
    line, message = problem("a: 1\nb: 1" + "0" * 5000 + "\n")
    assert line == 2 and "put it in quotes if it is text" in message


@pytest.mark.parametrize("text, line, says", [
    ("title 驿马乡\ndate: 2020-01-30\n", 1, "put the whole value in quotes"),
    ("title：驿马乡\ndate: 2020-01-30\n", 1, "Chinese colon '：'"),
    ("title: 驿马乡\ndate：2020-01-30\n", 2, "Chinese colon '：'"),
    ("title:驿马乡\ndate: 2020-01-30\n", 1, "no space after the colon"),
    ("title: 驿马乡\n\tdate: 2020-01-30\n", 2, "YAML needs spaces instead of tabs"),
    ("tags: [a, b\ndate: 2020-01-30\n", 1, "a list opened with '[' is not closed"),
    ("title: '驿马乡\ndate: 2020-01-30\n", 1, "a quotation mark is not closed"),
    ('title: "C:\\q"\n', 1, "use single quotes instead"),
    ("title: *驿马乡\n", 1, "put the whole value in quotes"),
    ("title: @驿马乡\n", 1, "a character YAML reserves"),
    ("a:\n  - x\n - y\n", 3, "does not line up"),
    ("title: \"驿马乡\" 卡口\n", 1, "nothing may follow a closing quote"),
    ("a: 1\n---\nb: 2\n", 2, "a second '---' line"),
])
def test_pyyaml_messages_become_advice_at_the_line_to_fix(text, line, says):
    found_line, message = problem(text)
    assert found_line == line
    assert says in message


# --- the libyaml fast path reads what the careful loader reads ---------------------

YAMLISH = st.text(alphabet=st.sampled_from(list("title: 驿马乡\n- tags[]{},'\"#|>!%@`&*?0123456789.:ab \t")), max_size=80)


def careful(text: str, first_line: int = 1):
    """What the pure-Python loader makes of ``text``: the data and every line, or the problem."""
    try:
        return "data", _lines(load_yaml_carefully(text, first_line))
    except YamlProblem as exc:
        return "problem", exc.line, exc.message


def _lines(value):
    if isinstance(value, LineDict):
        return ("map", value.line, sorted(value.lines.items()), sorted(value.blocks),
                [(key, _lines(item)) for key, item in value.items()])
    if isinstance(value, LineList):
        return ("list", value.line, value.lines, [_lines(item) for item in value])
    return value


@settings(max_examples=3000, deadline=None)
@given(YAMLISH)
def test_the_fast_path_reads_what_the_careful_loader_reads(text):
    if not yamlfile._is_plain(text):
        return
    try:
        fast = "data", _lines(yamlfile._FastLoader(text, 1).get_single_data())
    except Exception:  # noqa: BLE001 - then load_yaml reads it carefully
        return
    assert fast == careful(text)


def test_the_fast_path_is_taken_for_ordinary_front_matter(monkeypatch):
    text = "title: 驿马乡\ndate: 2020-01-30 09:00\ntags: [疫情防控, 基层党建]\nphotos:\n  - src: media/a.jpg\n    caption: 卡口\n"
    assert yamlfile._is_plain(text)
    monkeypatch.setattr(yamlfile, "_Loader", None)  # the careful loader is not needed
    assert load_yaml(text, 2).lines == {"title": 2, "date": 3, "tags": 4, "photos": 6}  # the list begins below


def load_yaml_carefully(text: str, first_line: int = 1):
    saved = yamlfile._is_plain
    yamlfile._is_plain = lambda text: False
    try:
        return load_yaml(text, first_line)
    finally:
        yamlfile._is_plain = saved


FRONT_MATTERS = sorted((Path(__file__).parent / "fixtures" / "bad").rglob("*.md")) + sorted(
    (Path(__file__).parent.parent / "content" / "articles").rglob("*.md"))


@pytest.mark.parametrize("path", FRONT_MATTERS, ids=lambda path: "/".join(path.parts[-5:]))
def test_real_front_matter_reads_the_same_either_way(path):
    parts = path.read_text(encoding="utf-8", errors="replace").split("---\n")
    text = parts[1] if len(parts) > 2 else ""
    try:
        fast = "data", _lines(yamlfile._FastLoader(text, 2).get_single_data()) if yamlfile._is_plain(text) else None
    except Exception:  # noqa: BLE001 - then load_yaml reads it carefully
        fast = None
    if fast is not None:
        assert fast == careful(text, 2)
