"""YAML loading that keeps line numbers and refuses what editors never mean.

PyYAML's safe loader is used with these changes:

* mappings come back as :class:`LineDict` and lists as :class:`LineList`, which
  remember the file line of every value, so an error can point at ``title:``
  or at the third picture rather than at the file;
* timestamps are not resolved, so ``2020-02-30`` reaches our own date parser
  (which says "no such day") instead of crashing the constructor;
* a key given twice is an error, not a silent "the last one wins";
* PyYAML's messages are translated into what an editor should do, and the
  line is the one the editor must fix where that can be told.

Aliases to lists or mappings are refused, aliases to text are bounded (by
:data:`MAX_ALIAS_USES` and :data:`MAX_ALIASED_CHARS`), and so is nesting deeper
than any real file needs: that is how a "billion laughs" document makes a small
file expand into gigabytes (a 306 KB front matter repeating a 100,000-character
text 2,000 times made a build take 21.9 GB), or a small one exhaust the stack.
Only the careful loader can count aliases; text with a '*' never takes the fast one.
"""

from __future__ import annotations

import re
from bisect import bisect_left

import yaml

from .i18n import N_, _

MAX_DEPTH = 40
# Aliases ('&name' ... '*name') are a convenience no front matter needs much of: a real
# file repeats a name or a date a few times. Every '*' in one document (a front matter,
# timeline.yaml, site.yaml) counts: at most MAX_ALIAS_USES of them, repeating at most
# MAX_ALIASED_CHARS characters of text in all (64 K: a long report's worth of text, and
# far below what would cost a build time or memory, whatever is done with the values).
MAX_ALIAS_USES = 100
MAX_ALIASED_CHARS = 64 * 1024


class LineDict(dict):
    """A dict that also knows the file line of itself and of each value."""

    line: int = 1
    lines: dict
    blocks: frozenset = frozenset()  # keys whose value is a '|' or '>' block

    def line_of(self, key: str) -> int:
        return getattr(self, "lines", {}).get(key, self.line)

    def text_line(self, key: str) -> int:
        """The line where the value's text starts (a block's text starts below its key)."""
        return self.line_of(key) + (1 if key in self.blocks else 0)


class LineList(list):
    """A list that also knows the file line of itself and of each item."""

    line: int = 1
    lines: list

    def line_at(self, index: int) -> int:
        lines = getattr(self, "lines", [])
        return lines[index] if index < len(lines) else self.line


def empty_mapping(line: int = 1) -> LineDict:
    mapping = LineDict()
    mapping.line, mapping.lines = line, {}
    return mapping


class YamlProblem(Exception):
    """A YAML document that cannot be read; ``line`` is a 1-based line of the file."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _LineAware:
    """What both loaders construct: line-aware collections, plain keys, no key twice."""

    first_line: int

    def file_line(self, mark) -> int:
        raise NotImplementedError

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:  # e.g. a 5000-digit number
            raise YamlProblem(
                self.file_line(node.start_mark),
                _("the value cannot be read ({reason}); put it in quotes if it is text").format(reason=exc),
            ) from None

    def construct_line_mapping(self, node):
        mapping = empty_mapping(self.file_line(node.start_mark))
        blocks = set()
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                raise YamlProblem(self.file_line(key_node.start_mark), _("a key must be a plain word, like title"))
            key = str(key)
            if key in mapping:
                raise YamlProblem(
                    self.file_line(key_node.start_mark),
                    _("'{key}:' is given twice (first on line {line}); keep only one of them").format(
                        key=key, line=mapping.lines[key]),
                )
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.lines[key] = self.file_line(value_node.start_mark)
            if isinstance(value_node, yaml.ScalarNode) and value_node.style in ("|", ">"):
                blocks.add(key)
        mapping.blocks = frozenset(blocks)
        return mapping

    def construct_line_list(self, node):
        items = LineList(self.construct_object(child, deep=True) for child in node.value)
        items.line = self.file_line(node.start_mark)
        items.lines = [self.file_line(child.start_mark) for child in node.value]
        return items


class _Loader(_LineAware, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader: every check, and the messages editors get."""

    def __init__(self, text: str, first_line: int):
        super().__init__(text)
        self.first_line = first_line
        self.breaks = [i for i, char in enumerate(text) if char == "\n"]
        self.depth = 0
        self.alias_uses = 0
        self.aliased_chars = 0

    def file_line(self, mark) -> int:
        """The file line of a position in the text (YAML's own count also breaks at U+2028)."""
        return self.first_line + bisect_left(self.breaks, mark.index)

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            anchored = self.anchors.get(event.anchor)
            if anchored is not None and not isinstance(anchored, yaml.ScalarNode):
                raise YamlProblem(
                    self.file_line(event.start_mark),
                    _("'*{anchor}' repeats a whole list or mapping, which is not allowed; "
                      "write the values out instead of using '&' and '*'").format(anchor=event.anchor),
                )
            if anchored is not None:
                self._count_alias(event, anchored)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise YamlProblem(
                    self.file_line(self.peek_event().start_mark),
                    _("the values are nested more than {depth} levels deep; "
                      "check the brackets and the indentation").format(depth=MAX_DEPTH),
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


    def _count_alias(self, event, anchored) -> None:
        """Keep the bounds on aliases of text: their number and what they repeat."""
        self.alias_uses += 1
        self.aliased_chars += len(anchored.value)
        if self.alias_uses > MAX_ALIAS_USES:
            raise YamlProblem(
                self.file_line(event.start_mark),
                _("'*{anchor}' is one use of '*' too many: a file may repeat values with '*' at most "
                  "{uses} times; write the values out instead of using '&' and '*'").format(
                    anchor=event.anchor, uses=MAX_ALIAS_USES),
            )
        if self.aliased_chars > MAX_ALIASED_CHARS:
            raise YamlProblem(
                self.file_line(event.start_mark),
                _("'*{anchor}' takes the text repeated with '*' past {chars} characters "
                  "in one file; write the values out instead of using '&' and '*'").format(
                    anchor=event.anchor, chars=f"{MAX_ALIASED_CHARS:,}"),
            )


class _FastLoader(_LineAware, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml, seven times as fast, for the text :func:`_is_plain` lets through:
    its composer is in C, so the alias and depth checks above cannot run there
    (text with an alias never comes here: it has a '*')."""

    def __init__(self, text: str, first_line: int):
        super().__init__(text)
        self.first_line = first_line

    def file_line(self, mark) -> int:
        return self.first_line + mark.line


for _loader in (_Loader, _FastLoader):
    _loader.add_constructor("tag:yaml.org,2002:map", _LineAware.construct_line_mapping)
    _loader.add_constructor("tag:yaml.org,2002:seq", _LineAware.construct_line_list)
    _loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

NESTING_MARKS = ("\n", "[", "{", "-")  # each level of nesting needs one of these
NOT_PLAIN = "&*!%@`|>?\t\r\x85\u2028\u2029"  # see _is_plain


def _is_plain(text: str) -> bool:
    """Text that holds no anchor or alias (no '&', no '*'); no tag, directive or
    reserved character, and no tab (libyaml lets some of those pass that PyYAML
    refuses, or reads them otherwise); no line break but '\\n' (libyaml counts
    U+2028 as one); and too few lines, brackets and dashes to
    nest :data:`MAX_DEPTH` deep. That is what front matter nearly always is, and
    what the fast loader may read without the checks."""
    return (yaml.__with_libyaml__ and not any(char in text for char in NOT_PLAIN)
            and sum(text.count(mark) for mark in NESTING_MARKS) < MAX_DEPTH)


def load_yaml(text: str, first_line: int = 1):
    """Parse one YAML document whose first line is ``first_line`` of its file.

    Raises :class:`YamlProblem` with the file line and a message for editors.
    """
    if _is_plain(text):
        fast = _FastLoader(text, first_line)
        try:
            return fast.get_single_data()
        except Exception:  # noqa: BLE001 - the careful loader reads it again and says what is wrong
            pass
        finally:
            fast.dispose()
    loader = _Loader(text, first_line)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        index, message = explain(exc, text)
        raise YamlProblem(first_line + index, message) from None
    except yaml.reader.ReaderError as exc:
        line = first_line + text.count("\n", 0, exc.position)
        raise YamlProblem(line, _("it contains the invisible character {code}; delete it").format(
            code=f"U+{exc.character:04X}")) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(first_line, _("the YAML cannot be read ({reason})").format(reason=exc)) from None
    except RecursionError:
        raise YamlProblem(first_line, _("the values are nested too deeply; check the brackets")) from None
    finally:
        loader.dispose()


# --- PyYAML's messages, said the way an editor can act on -------------------

# (words in PyYAML's message, point at where the construct began?, what to do); first match wins
EXPLANATIONS = (
    ("mapping values are not allowed", False,
     N_("there is a ':' where none can be; if the value itself contains ': ', put the whole value in quotes "
        "(e.g. title: \"驿马乡: 卡口值守\"), otherwise check the indentation")),
    ("could not find expected ':'", True,
     N_("this line is not 'key: value'; write a colon and a space after the key")),
    ("found character '\\t'", False, N_("a tab is used for indentation; YAML needs spaces instead of tabs")),
    ("expected ',' or ']'", True,
     N_("a list opened with '[' is not closed; end it with ']' and put commas between the items")),
    ("expected ',' or '}'", True,
     N_("a '{' is not closed; end it with '}', or put the whole value in quotes if the braces are text")),
    ("unknown escape character", False,
     N_("a backslash inside double quotes starts an escape; use single quotes instead")),
    ("quoted scalar", True,
     N_("a quotation mark is not closed; end the value with the same quote mark it starts with")),
    ("undefined alias", False,
     N_("a value starts with '*', which YAML reads as a reference; put the whole value in quotes")),
    ("could not determine a constructor", False,
     N_("a value starts with '!', which YAML reads as a type; put the whole value in quotes")),
    ("cannot start any token", False,
     N_("a value starts with a character YAML reserves (@ ` % |); put the whole value in quotes")),
    ("expected alphabetic or numeric character", False,
     N_("a value starts with '&' or '*', which YAML reserves; put the whole value in quotes")),
    ("entries are not allowed here", False,
     N_("a '- ' list item stands where a value should be; put the whole value in quotes or fix the indentation")),
    ("expected <block end>", False,
     N_("a line does not line up with the lines around it; keys of one entry must start in the same column, "
        "and nothing may follow a closing quote")),
    ("did not find expected key", False,
     N_("a line does not line up with the lines around it; keys of one entry must start in the same column")),
    ("did not find expected '-' indicator", False, N_("the '- ' items of one list must start in the same column")),
    ("but found another document", False, N_("there is a second '---' line; keep one document per file")),
)


def explain(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, str]:
    """(0-based line in ``text``, message) for a PyYAML error."""
    said = f"{exc.context or ''} {exc.problem or ''}"
    for words, at_start, advice in EXPLANATIONS:
        if words in said:
            mark = exc.context_mark if at_start and exc.context_mark else exc.problem_mark
            advice = _(advice)
            break
    else:
        mark = exc.problem_mark or exc.context_mark
        advice = _("the YAML cannot be read ({reason})").format(reason=exc.problem or exc.context)
    lines = text.split("\n")
    index = min(text.count("\n", 0, mark.index), len(lines) - 1) if mark else 0
    if "mapping values are not allowed" in said and index > 0 and _lacks_colon(lines[index - 1]):
        index -= 1  # "title 驿马乡" followed by "date: ...": the line above is the one to fix
    return index, _colon_hint(lines[index]) or advice


def _lacks_colon(line: str) -> bool:
    stripped = line.strip().removeprefix("- ").strip()
    return bool(stripped) and not stripped.startswith(("#", "-")) and not re.search(r":(\s|$)", stripped)


def _colon_hint(line: str) -> str | None:
    """The commonest slip of all: a Chinese colon, or no space after the colon."""
    if not _lacks_colon(line):
        return None
    if "：" in line:
        return _("the key is followed by a Chinese colon '：'; write an English colon and a space, e.g. 'title: ...'")
    if ":" in line:
        return _("there is no space after the colon; write 'key: value', e.g. 'title: ...'")
    return None
