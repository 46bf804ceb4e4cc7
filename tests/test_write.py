"""The output writer: all or nothing, and a reused tree that never drifts from what it should hold."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from digest import write
from digest.write import MADE_LIST, ForeignFiles, OutputWriter, Trees, content_id


def files_under(root: Path) -> dict[str, bytes]:
    """Every file of a tree but the list of what the build made."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            found[path.relative_to(root).as_posix()] = path.read_bytes()
    found.pop(MADE_LIST, None)
    return found


def ids(*pairs) -> dict[str, str]:
    """A manifest's content ids, with the list of what the build made."""
    found = {dest: content_id(data) for dest, data in pairs}
    listed = "".join(f"{dest}\n" for dest in sorted([*found, MADE_LIST])).encode()
    return {**found, MADE_LIST: content_id(listed)}


def build_once(output: Path, spare: Path | None, trees: Trees, files: dict[str, bytes]) -> tuple[OutputWriter, Trees]:
    """One 'build' that puts ``files`` into the output, as the builder does."""
    writer = OutputWriter(output, spare, trees)
    for dest, data in files.items():
        writer.write(dest, data)
    writer.finish()
    if writer.changed:
        trees = writer.commit()
    else:
        trees = Trees(trees.output, writer.spare_manifest())
    return writer, trees


def writing_over_an_old_output(tmp_path) -> tuple[Path, OutputWriter]:
    """An output an earlier build made, holding old.html, and a fresh writer that has put in two new pages."""
    output = tmp_path / "output"
    output.mkdir()
    (output / "old.html").write_text("old")
    (output / MADE_LIST).write_text("old.html\n")
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
    assert trees.output.ids == ids(("index.html", b"1"), ("articles/a/index.html", b"a"))
    second = {"index.html": b"2", "articles/a/index.html": b"a", "articles/b/index.html": b"b"}
    writer, trees = build_once(output, spare, trees, second)
    assert files_under(output) == second
    assert writer.counts.written == 3 and writer.counts.unchanged == 1  # the list of files too
    assert files_under(spare) == {"index.html": b"1", "articles/a/index.html": b"a"}  # the output before
    assert trees.spare.ids == ids(("index.html", b"1"), ("articles/a/index.html", b"a"))


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
    assert writer.counts.written == 0 and writer.counts.unchanged == 3
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


# --- what a build finds is checked, not trusted ---------------------------------


def two_builds(tmp_path, files: dict[str, bytes]) -> tuple[Path, Path, Trees]:
    """An output and its spare after two builds of ``files`` (they share inodes)."""
    output, spare = tmp_path / "output", tmp_path / "cache" / "tree"
    _, trees = build_once(output, spare, Trees(), files)
    _, trees = build_once(output, spare, trees, files)
    return output, spare, trees


def test_a_file_edited_in_place_is_made_again_in_both_trees(tmp_path):
    files = {"index.html": b"1", "about.html": b"same"}
    output, spare, trees = two_builds(tmp_path, files)
    with open(output / "about.html", "ab") as page:  # the spare's about.html is the same inode
        page.write(b" and more")
    writer, trees = build_once(output, spare, trees, files)
    assert files_under(output) == files
    assert writer.counts.written == 1
    writer, trees = build_once(output, spare, trees, {**files, "index.html": b"2"})
    assert files_under(output) == {**files, "index.html": b"2"}
    assert files_under(spare) == files


def test_a_file_deleted_from_the_output_is_put_back(tmp_path):
    files = {"index.html": b"1", "articles/a/index.html": b"a"}
    output, spare, trees = two_builds(tmp_path, files)
    (output / "articles/a/index.html").unlink()
    writer, _ = build_once(output, spare, trees, files)
    assert files_under(output) == files
    assert writer.counts.written == 1


def test_a_spare_tree_damaged_after_its_manifest_was_saved_is_repaired(tmp_path):
    """A killed build, or a hand, changed it: what no longer matches is made again."""
    files = {"index.html": b"1", "a.html": b"a", "b.html": b"b", "c.html": b"c"}
    output, spare, trees = two_builds(tmp_path, files)
    (spare / "a.html").unlink()
    (spare / "b.html").unlink()
    (spare / "b.html").write_bytes(b"garbage")
    (spare / "stray.html").write_bytes(b"stray")
    _, trees = build_once(output, spare, trees, {**files, "index.html": b"2"})
    assert files_under(output) == {**files, "index.html": b"2"}


def test_a_first_build_refuses_a_folder_holding_files_it_did_not_make(tmp_path):
    output = tmp_path / "www"
    (output / "other-site").mkdir(parents=True)
    (output / "other-site" / "index.html").write_text("another site")
    (output / "CNAME").write_text("example.cn")
    with pytest.raises(ForeignFiles) as refused:
        OutputWriter(output, tmp_path / "cache" / "tree")
    assert refused.value.dests == ["CNAME", "other-site/index.html"]
    assert files_under(output) == {"CNAME": b"example.cn", "other-site/index.html": b"another site"}


def test_an_output_whose_cache_is_lost_is_still_known_by_its_list(tmp_path):
    files = {"index.html": b"1", "old.html": b"old"}
    output, spare, _ = two_builds(tmp_path, files)
    _, trees = build_once(output, spare, Trees(), {"index.html": b"2"})  # no manifests
    assert files_under(output) == {"index.html": b"2"}


def test_no_atomic_exchange_is_an_error_not_two_renames(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (b / "old").write_text("old")
    monkeypatch.setattr(write.ctypes, "CDLL", lambda *args, **kwargs: object())  # a libc without renameat2
    with pytest.raises(OSError, match="cannot swap two folders in one step"):
        write.exchange(a, b)
    assert (b / "old").read_text() == "old" and not (tmp_path / "b.old").exists()


# --- the trees looked at ahead of the writer (in a second process, for big sites) ------


def test_trees_looked_at_ahead_are_what_the_writer_would_find(tmp_path):
    """look_at_trees() scans as the writer does: the same files vouched for, the same damage seen,
    in the output (an edit in place) and in the spare tree (a file removed, one put there)."""
    output, spare = tmp_path / "output", tmp_path / "cache" / "tree"
    files = {"index.html": b"1", "about.html": b"same", "articles/a/index.html": b"a", "articles/b/index.html": b"b"}
    _, trees = build_once(output, spare, Trees(), files)
    _, trees = build_once(output, spare, trees, {**files, "index.html": b"2"})
    (output / "articles/a/index.html").write_bytes(b"edited by hand")  # in place: the spare shares the inode
    (spare / "about.html").unlink()
    (spare / "stray.html").write_bytes(b"?")
    looks = write.look_at_trees(output, spare, trees)
    own = OutputWriter(output, spare, trees)
    own._read_staging()  # what it looks at in the spare tree once it first writes there
    assert looks.output.damaged == own.damaged == {"articles/a/index.html"}
    assert looks.output.verified == write.scan_tree(output, trees.output).verified
    assert sorted(looks.spare.on_disk) == sorted(own.present)
    assert {dest for dest, ident in own.present.items() if ident != write.UNKNOWN} == set(looks.spare.verified.ids)
    assert "about.html" in looks.spare.damaged and "stray.html" not in looks.spare.verified.ids


def test_trees_looked_at_in_another_process_come_back_whole_without_their_manifests(tmp_path):
    """The second process sends back only what differs from the manifests (TreeLooks.sent):
    the build that asked has them, and unpickling a big one costs it while it loads."""
    output, spare = tmp_path / "output", tmp_path / "cache" / "tree"
    files = {"index.html": b"1", "about.html": b"same", "articles/a/index.html": b"a", "articles/b/index.html": b"b"}
    _, trees = build_once(output, spare, Trees(), files)
    _, trees = build_once(output, spare, trees, {**files, "index.html": b"2"})
    (output / "articles/a/index.html").write_bytes(b"edited by hand")
    (output / "stray.html").write_bytes(b"?")
    (spare / "about.html").unlink()
    looks = write.look_at_trees(output, spare, trees)
    sent = looks.sent()
    assert len(sent.output.on_disk) == 2 and not sent.output.verified.ids, "only what differs is sent"
    back = sent.received(trees)
    for scan, whole in ((back.output, looks.output), (back.spare, looks.spare)):
        assert scan.verified == whole.verified and scan.damaged == whole.damaged
        assert sorted(scan.on_disk) == sorted(whole.on_disk)
    unknown = write.look_at_trees(output, spare, Trees())  # no manifests: every file is sent
    assert sorted(unknown.sent().received(Trees()).output.on_disk) == sorted(unknown.output.on_disk)


def test_trees_found_as_their_manifests_say_come_back_as_copies_of_them(tmp_path):
    """The usual case, taken in one copy of each manifest: the writer changes what it is
    given as it writes, and the manifests must stay as they are (a failed build keeps them)."""
    output, spare = tmp_path / "output", tmp_path / "cache" / "tree"
    files = {"index.html": b"1", "articles/a/index.html": b"a", "articles/b/index.html": b"b"}
    _, trees = build_once(output, spare, Trees(), files)
    _, trees = build_once(output, spare, trees, {**files, "index.html": b"2"})
    looks = write.look_at_trees(output, spare, trees)
    assert not looks.output.damaged and not looks.spare.damaged
    back = looks.sent().received(trees)
    for scan, whole, manifest in ((back.output, looks.output, trees.output), (back.spare, looks.spare, trees.spare)):
        assert scan.verified == whole.verified == manifest and scan.damaged == set()
        assert sorted(scan.on_disk) == sorted(whole.on_disk) == sorted(manifest.ids)
        scan.verified.stamps.clear()
        scan.verified.ids.clear()
        assert manifest.ids and manifest.stamps


def test_a_writer_given_the_looks_makes_the_same_tree(tmp_path):
    output, spare = tmp_path / "output", tmp_path / "cache" / "tree"
    files = {"index.html": b"1", "about.html": b"same", "articles/a/index.html": b"a"}
    _, trees = build_once(output, spare, Trees(), files)
    _, trees = build_once(output, spare, trees, {**files, "index.html": b"2"})
    (spare / "index.html").write_bytes(b"damaged")  # the old index.html: an inode of the spare's own
    looks = write.look_at_trees(output, spare, trees)
    writer = OutputWriter(output, spare, trees, looks=looks)
    new = {**files, "index.html": b"3"}
    for dest, data in new.items():
        writer.write(dest, data)
    writer.finish()
    writer.commit()
    assert files_under(output) == new


def test_no_output_and_no_spare_are_looked_at_as_nothing(tmp_path):
    looks = write.look_at_trees(tmp_path / "output", tmp_path / "tree", Trees())
    assert looks.output is None and looks.spare is None


# --- the check of a build with nothing to do ----------------------------------------


TREE_DAMAGES = {
    "none": lambda output: None,
    "a page edited in place": lambda output: (output / "articles/a/index.html").write_bytes(b"by hand"),
    "a page removed": lambda output: (output / "articles/b/index.html").unlink(),
    "a folder removed": lambda output: shutil.rmtree(output / "articles/b"),
    "a file put at the top": lambda output: (output / "stray.html").write_bytes(b"?"),
    "a file put deep down": lambda output: (output / "articles/a/stray.html").write_bytes(b"?"),
    "a page made a link": lambda output: _relinked(output / "index.html"),
}


def _relinked(page: Path) -> None:
    target = page.with_name("elsewhere.html")
    page.rename(target)
    page.symlink_to(target)
    target.unlink()


@pytest.mark.parametrize("split", [False, True], ids=["one process", "two halves"])
@pytest.mark.parametrize("damage", TREE_DAMAGES)
def test_tree_matches_only_an_output_as_its_manifest_says(tmp_path, monkeypatch, damage, split):
    """tree_matches() is scan_tree() finding nothing damaged and nothing more, whether it
    looks at the tree alone or in two halves, one in a forked process."""
    monkeypatch.setattr(write, "SPLIT_LOOK_FILES", 1 if split else 10**9)
    output = tmp_path / "output"
    files = {"index.html": b"1", "about.html": b"2",
             **{f"articles/{name}/index.html": name.encode() for name in "abcdefg"}}
    _, trees = build_once(output, tmp_path / "spare", Trees(), files)
    TREE_DAMAGES[damage](output)
    scan = write.scan_tree(output, trees.output)
    assert write.tree_matches(output, trees.output) is (damage == "none")
    assert (not scan.damaged and len(scan.on_disk) == len(trees.output.ids)) is (damage == "none")


def test_a_missing_output_does_not_match(tmp_path):
    assert not write.tree_matches(tmp_path / "output", write.Manifest({"index.html": "x"}, {"index.html": (1, 1, 1)}))
