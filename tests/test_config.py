"""site.yaml: every problem with its line, misspelt settings named, nothing crashes."""

from __future__ import annotations

from pathlib import Path

from digest.config import load_config
from digest.errors import ProblemLog, format_problems


def config_of(tmp_path: Path, text: str, base_url: str | None = None):
    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    log = ProblemLog()
    return load_config(tmp_path, log, base_url), format_problems(log.problems)


def test_no_site_yaml_means_defaults(tmp_path):
    log = ProblemLog()
    config = load_config(tmp_path, log)
    assert (config.language, config.timezone.key, log.problems) == ("zh-CN", "Asia/Shanghai", [])


def test_every_wrong_setting_is_reported_at_its_line(tmp_path):
    config, problems = config_of(tmp_path, (
        "title: [孝义]\nbase_url: example.cn\ntimezone: Asia\nper_page: 0\n"
        "summary_length: 很长\nallow_iframe_hosts: player.example.cn\n"
    ))
    assert problems == [
        "site.yaml:1: error: 'title:' must be text; put it in quotes",
        "site.yaml:2: error: 'base_url:' 'example.cn' is not a web address; write it with http:// or https://, "
        "like https://example.cn/digest/",
        "site.yaml:3: error: 'timezone:' 'Asia' is not a time zone name; use one like Asia/Shanghai",
        "site.yaml:4: error: 'per_page:' must be a whole number above 0, e.g. per_page: 10",
        "site.yaml:5: error: 'summary_length:' must be a whole number above 0, e.g. summary_length: 10",
        "site.yaml:6: error: 'allow_iframe_hosts:' must be a list of host names, "
        "e.g. allow_iframe_hosts: [player.example.cn]",
    ]


def test_misspelt_settings_are_warned_and_unknown_ones_kept(tmp_path):
    config, problems = config_of(tmp_path, "titel: 孝义要闻\nbase_ulr: https://x.cn/\npublisher: 融媒体中心\nmotto: 实事求是\n")
    assert problems == [
        "site.yaml:1: warning: unknown setting 'titel:'; did you mean 'title:'? (as written it is not used)",
        "site.yaml:2: warning: unknown setting 'base_ulr:'; did you mean 'base_url:'? (as written it is not used)",
    ]
    assert config.extra["motto"] == "实事求是"


def test_the_command_line_base_url_wins_and_gets_a_slash(tmp_path):
    config, problems = config_of(tmp_path, "base_url: https://example.cn/\n", base_url="https://x.cn/digest")
    assert (config.base_url, config.base_path, problems) == ("https://x.cn/digest/", "/digest/", [])


def test_iframe_hosts_are_lower_case(tmp_path):
    config, problems = config_of(tmp_path, "allow_iframe_hosts: [Player.Example.CN]\n")
    assert config.allow_iframe_hosts == ("player.example.cn",)


def test_site_yaml_that_is_not_a_mapping(tmp_path):
    assert config_of(tmp_path, "- 孝义要闻\n")[1] == ["site.yaml:1: error: site.yaml must be 'key: value' lines, like 'title: 孝义要闻'"]
