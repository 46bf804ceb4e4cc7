"""The output writer: all or nothing, and a reused tree that never drifts from what it should hold."""

from __future__ import annotations

import os
from pathlib import Path

from digest.write import OutputWriter, Trees, content_id


def files_under(root: Path) -> dict[str, bytes]:
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def build_once(output: Path, spare: Path | None, trees: Trees, files: dict[str, bytes]) -> tuple[OutputWriter, Trees]:
    """One 'build' that puts ``files`` into the output, as the builder does."""
    writer = OutputWriter(output, spare, trees)
    for dest, data in files.items():
        writer.write(dest, data)
    writer.finish()
    if writer.changed:
        trees = writer.commit()
    else:
        trees = Trees(trees.output, writer.spare_files())
    return writer, trees


def writing_over_an_old_output(tmp_path) -> tuple[Path, OutputWriter]:
    """An output holding old.html, and a fresh writer that has put in two new pages."""
    output = tmp_path / "output"
    output.mkdir()
    (output / "old.html").write_text("old")
    writer = OutputWriter(output)
    writer.write("index.html", b"new")
    writer.write("articles/a/index.html", b"a")
    return output, writer


def test_a_fresh_staging_folder_is_swapped_in_whole(tmp_path):
    output, writer = writing_over_an_old_output(tmp_path)
    assert files_under(output) == {"old.html": b"old"}  # nothing shows before the swap
    writer.commit()
    assert files_under(output) == {"index.html": b"new", "articles/a/index.html": b"a"}
    assert not writer.staging.exists()


def test_abort_leaves_the_output_as_it_was(tmp_path):
    output, writer = writing_over_an_old_output(tmp_path)
    writer.abort()
    assert files_under(output) == {"old.html": b"old"}
    assert not writer.staging.exists()


def test_the_spare_tree_becomes_the_next_output(tmp_path):
    output, spare = tmp_path / "output", tmp_path / "cache" / "tree"
    _, trees = build_once(output, spare, Trees(), {"index.html": b"1", "articles/a/index.html": b"a"})
    assert files_under(output) == {"index.html": b"1", "articles/a/index.html": b"a"}
    assert trees.output == {"index.html": content_id(b"1"), "articles/a/index.html": content_id(b"a")}
    second = {"index.html": b"2", "articles/a/index.html": b"a", "articles/b/index.html": b"b"}
    writer, trees = build_once(output, spare, trees, second)
    assert files_under(output) == second
    assert writer.counts.written == 2 and writer.counts.unchanged == 1
    assert files_under(spare) == {"index.html": b"1", "articles/a/index.html": b"a"}  # the output before
    assert trees.spare == {"index.html": content_id(b"1"), "articles/a/index.html": content_id(b"a")}


def test_unchanged_files_are_linked_not_written(tmp_path):
    output, spare = tmp_path / "output", tmp_path / "cache" / "tree"
    _, trees = build_once(output, spare, Trees(), {"index.html": b"1", "about.html": b"same"})
    _, trees = build_once(output, spare, trees, {"index.html": b"2", "about.html": b"same"})
    assert (output / "about.html").stat().st_ino == (spare / "about.html").stat().st_ino


def test_an_output_file_is_never_changed_in_place(tmp_path):
    """The trees share inodes: writing the spare must not reach into the output."""
    output, spare = tmp_path / "output", tmp_path / "cache" / "tree"
    _, trees = build_once(output, spare, Trees(), {"index.html": b"1", "about.html": b"same"})
    _, trees = build_once(output, spare, trees, {"index.html": b"2", "about.html": b"same"})
    writer = OutputWriter(output, spare, trees)
    writer.write("index.html", b"2")
    writer.write("about.html", b"changed")  # the spare's about.html is the output's inode
    writer.finish()
    assert (output / "about.html").read_bytes() == b"same"


def test_a_build_that_changes_nothing_touches_nothing(tmp_path):
    output, spare = tmp_path / "output", tmp_path / "cache" / "tree"
    files = {"index.html": b"1", "articles/a/index.html": b"a"}
    _, trees = build_once(output, spare, Trees(), files)
    writer, trees = build_once(output, spare, trees, files)
    assert not writer.changed
    assert writer.counts.written == 0 and writer.counts.unchanged == 2
    assert files_under(spare) == files  # as the first build left it: a linked copy, untouched
    assert all((spare / dest).stat().st_ino == (output / dest).stat().st_ino for dest in files)


def test_a_first_build_leaves_a_linked_copy_as_the_spare_for_the_next(tmp_path):
    """So that an editor's first fix after a full build does not make every folder again."""
    output, spare = tmp_path / "output", tmp_path / "cache" / "tree"
    files = {"index.html": b"1", "articles/a/index.html": b"a"}
    _, trees = build_once(output, spare, Trees(), files)
    assert trees.spare == trees.output
    assert (spare / "articles/a/index.html").stat().st_ino == (output / "articles/a/index.html").stat().st_ino
    _, trees = build_once(output, spare, trees, {**files, "index.html": b"2"})
    assert files_under(output) == {**files, "index.html": b"2"}
    assert files_under(spare) == files  # the old output, whole


def test_removed_pages_and_their_folders_go(tmp_path):
    output, spare = tmp_path / "output", tmp_path / "cache" / "tree"
    files = {"index.html": b"1", "articles/a/index.html": b"a", "articles/b/index.html": b"b"}
    _, trees = build_once(output, spare, Trees(), files)
    _, trees = build_once(output, spare, trees, {"index.html": b"2", "articles/a/index.html": b"a"})
    _, trees = build_once(output, spare, trees, {"index.html": b"3", "articles/a/index.html": b"a"})
    assert files_under(output) == {"index.html": b"3", "articles/a/index.html": b"a"}
    assert not (output / "articles" / "b").exists()
    assert not (spare / "articles" / "b").exists()


def test_a_spare_tree_of_unknown_content_is_read_before_use(tmp_path):
    """After a killed build the spare holds who knows what: it is read, not trusted."""
    output, spare = tmp_path / "output", tmp_path / "cache" / "tree"
    _, trees = build_once(output, spare, Trees(), {"index.html": b"1"})
    _, trees = build_once(output, spare, trees, {"index.html": b"2"})
    (spare / "index.html").unlink()
    (spare / "index.html").write_bytes(b"half-written")
    (spare / "stray.html").write_bytes(b"stray")
    _, trees = build_once(output, spare, Trees(trees.output, None), {"index.html": b"3"})
    assert files_under(output) == {"index.html": b"3"}


def test_a_folder_where_a_file_was(tmp_path):
    output, spare = tmp_path / "output", tmp_path / "cache" / "tree"
    _, trees = build_once(output, spare, Trees(), {"news": b"a file", "index.html": b"0"})
    _, trees = build_once(output, spare, trees, {"index.html": b"1"})
    _, trees = build_once(output, spare, trees, {"news/index.html": b"a folder", "index.html": b"2"})
    assert files_under(output) == {"news/index.html": b"a folder", "index.html": b"2"}


def test_folders_are_readable_whatever_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        output = tmp_path / "output"
        build_once(output, tmp_path / "cache" / "tree", Trees(), {"articles/a/index.html": b"a"})
    finally:
        os.umask(old)
    assert (output / "articles" / "a").stat().st_mode & 0o777 == 0o755
