"""YAML loading that keeps line numbers and refuses what editors never mean.

PyYAML's safe loader is used with two changes:

* mappings come back as :class:`LineDict`, which remembers the line of every
  key's value, so an error can point at ``title:`` rather than at the file;
* timestamps are not resolved, so ``2020-02-30`` reaches our own date parser
  (which says "no such day") instead of crashing the constructor.

Aliases to lists or mappings are refused: that is how a "billion laughs"
document makes a small file expand into gigabytes.
"""

from __future__ import annotations

import yaml


class LineDict(dict):
    """A dict that also knows the 1-based line of itself and of each value."""

    line: int = 1
    lines: dict

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class YamlProblem(Exception):
    """A YAML document that cannot be read; ``line`` is 0-based in the text."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _Loader(yaml.SafeLoader):
    """Safe loader with line-aware mappings and no timestamp resolution."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            anchored = self.anchors.get(event.anchor)
            if anchored is not None and not isinstance(anchored, yaml.ScalarNode):
                raise YamlProblem(
                    event.start_mark.line,
                    f"the alias *{event.anchor} repeats a list or mapping; "
                    "write the values out instead of using YAML aliases",
                )
        return super().compose_node(parent, index)

    def construct_line_mapping(self, node):
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.lines = {}
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise YamlProblem(key_node.start_mark.line, "a key must be a plain word")
            key = str(key)
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.lines[key] = value_node.start_mark.line + 1
        return mapping


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_line_mapping)
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str):
    """Parse one YAML document; raise :class:`YamlProblem` with a 0-based line."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line if mark else 0
        reason = exc.problem or exc.context or "cannot be read"
        raise YamlProblem(line, f"YAML {reason}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(0, f"YAML cannot be read: {exc}") from None
