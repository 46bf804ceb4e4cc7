"""A shard's bundle begun from the last one (digest/bundles.py) is what Pagefind makes from nothing."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import cbor2
import pytest

from digest import bundles, search
from digest.bundles import Earlier


def record(name: str, text: str, place: str = "") -> str:
    place = f'<span data-pagefind-filter="place">{place}</span>' if place else ""
    return ('<!doctype html><html lang="und"><head><meta charset="utf-8"><title>' + name + "</title></head>"
            f"<body data-pagefind-body><p>{text}{place}</p>"
            f'<p data-pagefind-ignore><span data-pagefind-meta="url">/{name}/</span></p></body></html>\n')


def words(number: int) -> str:
    """A report's text: Chinese characters one word each, enough of them for several index chunks."""
    return " ".join(chr(0x4E00 + (number * 37 + step * 11) % 6000) for step in range(300))


TEXTS = {f"r{number}": words(number) for number in range(120)}
RETOLD = {**TEXTS, "r3": words(3) + " 改 了 一 句"}  # one report edited: most chunks stay as they were
EDITED = {**{name: text for name, text in RETOLD.items() if name != "r7"}, "r120": words(120)}  # and the rest move


def bundle_of(root: Path, name: str, texts: dict[str, str], earlier: Earlier | None = None, place: str = ""):
    """Index ``texts`` into ``root/bundles/name`` as the build does: seeded from ``earlier``, if given;
    the first report with a filter (``place``), if given."""
    site = root / "records" / name
    site.mkdir(parents=True)
    for key, text in texts.items():
        (site / f"{key}.html").write_text(record(key, text, place if key == "r0" else ""), encoding="utf-8")
    bundle = root / "bundles" / name
    bundle.mkdir(parents=True)
    seeds = bundles.seed(earlier, bundle) if earlier is not None else None
    search.index_folder(site, bundle, seeds)
    return bundle, seeds


def files(folder: Path) -> dict[str, bytes | None]:
    """Each file's bytes, and each folder (None), by its path in ``folder``."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() if path.is_file() else None
            for path in sorted(folder.rglob("*"))}


def vouched(bundle: Path) -> Earlier:
    return Earlier(bundle, frozenset(name for name, data in files(bundle).items() if data is not None))


@pytest.mark.parametrize("texts, place", [(RETOLD, ""), (EDITED, ""), (RETOLD, "驿马乡")],
                         ids=["one report edited", "reports added and removed", "a filter gone"])
def test_a_bundle_begun_from_the_last_one_is_what_pagefind_makes_from_nothing(tmp_path, texts, place):
    old, _ = bundle_of(tmp_path, "old", TEXTS, place=place)
    assert any(name.startswith("filter/") for name in files(old)) == bool(place)
    new, seeds = bundle_of(tmp_path, "new", texts, vouched(old))
    fresh, _ = bundle_of(tmp_path, "fresh", texts)
    made = files(fresh)
    assert files(new) == made
    assert set(seeds.copied) & set(made), "copies were used"
    assert set(seeds.copied) - set(made), "and stale ones removed: a report, a chunk and the meta changed"
    assert {name.split("/")[0] for name in seeds.copied} >= {"fragment", "index"}


def test_pagefind_does_not_write_again_the_copies_it_needs(tmp_path):
    """The speed comes from this: Pagefind does not compress again a file its folder holds."""
    old, _ = bundle_of(tmp_path, "old", TEXTS)
    site = tmp_path / "records" / "new"
    site.mkdir(parents=True)
    for key, text in EDITED.items():
        (site / f"{key}.html").write_text(record(key, text), encoding="utf-8")
    bundle = tmp_path / "bundles" / "new"
    bundle.mkdir(parents=True)
    seeds = bundles.seed(vouched(old), bundle)
    for name in seeds.copied:
        os.utime(bundle / name, (946684800, 946684800))  # 2000-01-01
    search.index_folder(site, bundle, seeds)
    kept = [name for name in seeds.copied if (bundle / name).exists()]
    assert kept and all((bundle / name).stat().st_mtime == 946684800 for name in kept)


def test_the_copies_are_links_and_the_bundle_they_come_from_is_left_as_it_was(tmp_path):
    """A link costs no new inode (0.1 ms each on a full disk); the output's bundle is
    served meanwhile, and no byte or time of it changes."""
    old, _ = bundle_of(tmp_path, "old", TEXTS)
    before = {name: (data, (old / name).stat().st_mtime_ns) for name, data in files(old).items() if data}
    new, seeds = bundle_of(tmp_path, "new", EDITED, vouched(old))
    kept = [name for name in seeds.copied if (new / name).exists()]
    assert kept and all((new / name).stat().st_ino == (old / name).stat().st_ino for name in kept)
    assert {name: (data, (old / name).stat().st_mtime_ns) for name, data in files(old).items() if data} == before


def test_a_copy_that_may_be_another_file_of_its_name_makes_the_bundle_from_nothing(tmp_path, monkeypatch):
    """Names are seven hex digits: a changed chunk may be named as an old one. What the two
    metas say of it differs, and the bundle is made again from an empty folder."""
    old, _ = bundle_of(tmp_path, "old", TEXTS)
    fresh, _ = bundle_of(tmp_path, "fresh", RETOLD)
    made = files(fresh)
    chunks = sorted(name for name in set(files(old)) & set(made) if name.startswith("index/"))
    other = sorted(name for name in set(files(old)) - set(made) if name.startswith("index/"))
    named, impostor = chunks[0], other[0]
    seed = bundles.seed

    def colliding(earlier, bundle):  # the old bundle held another chunk under a name the new one uses
        seeds = seed(earlier, bundle)
        (bundle / named).unlink()  # a link to the old bundle's file: not to be written through
        (bundle / named).write_bytes((old / impostor).read_bytes())
        seeds.copied[named] = seeds.copied[impostor]
        return seeds

    monkeypatch.setattr(bundles, "seed", colliding)
    runs = []
    run_pagefind = search.run_pagefind
    monkeypatch.setattr(search, "run_pagefind", lambda site, bundle: runs.append(1) or run_pagefind(site, bundle))
    new, _ = bundle_of(tmp_path, "new", RETOLD, vouched(old))
    assert files(new) == made
    assert len(runs) == 2


def test_only_a_bundle_the_output_vouches_for_and_pagefind_1_laid_out_is_copied(tmp_path):
    old, _ = bundle_of(tmp_path, "old", TEXTS)
    entry = json.loads((old / bundles.ENTRY).read_text(encoding="utf-8"))
    meta = f"pagefind.{entry['languages']['und']['hash']}.pf_meta"

    def seeded(earlier: Earlier) -> bool:
        bundle = tmp_path / "tries" / "try"
        bundles.empty(bundle)
        seeds = bundles.seed(earlier, bundle)
        assert seeds is not None or not any(bundle.iterdir()), "nothing is left half copied"
        assert not (tmp_path / "tries" / "x.pf_fragment").exists()
        return seeds is not None

    assert seeded(vouched(old))
    assert not seeded(Earlier(old, vouched(old).sound - {meta})), "a meta the output does not vouch for"
    assert not seeded(Earlier(old, vouched(old).sound - {bundles.ENTRY}))
    assert not seeded(Earlier(tmp_path / "gone", vouched(old).sound))

    other = tmp_path / "other"
    other.mkdir()
    (other / bundles.ENTRY).write_text(json.dumps({**entry, "version": "2.0.0"}), encoding="utf-8")
    (other / meta).write_bytes((old / meta).read_bytes())
    assert not seeded(vouched(other)), "another Pagefind may lay its bundles out otherwise"

    (other / bundles.ENTRY).write_text(json.dumps(entry), encoding="utf-8")
    (other / meta).write_bytes(b"not gzip")
    assert not seeded(vouched(other))
    (other / meta).write_bytes(gzip.compress(b"pagefind_dcd" + cbor2.dumps(["1.5.2", [["../../x", 1]], [], [], []])))
    (tmp_path / "x.pf_fragment").write_bytes(b"not the bundle's")
    (other / "fragment").mkdir()
    assert not seeded(Earlier(other, vouched(other).sound | {"fragment/../../x.pf_fragment"})), \
        "a name that leads out of the bundle"
    (other / meta).write_bytes(gzip.compress(b"pagefind_dcd" + cbor2.dumps(["1.5.2", {"pages": 1}])))
    assert not seeded(vouched(other))


def test_copies_from_another_version_of_pagefind_are_not_trusted(tmp_path, monkeypatch):
    """A bundle made by an earlier Pagefind 1 (before an upgrade) may be copied from, but a
    copy kept under a name the new version also gives may not hold what it would write."""
    old, _ = bundle_of(tmp_path, "old", TEXTS)
    entry = json.loads((old / bundles.ENTRY).read_text(encoding="utf-8"))
    (old / bundles.ENTRY).write_text(json.dumps({**entry, "version": "1.0.0"}), encoding="utf-8")
    runs = []
    run_pagefind = search.run_pagefind
    monkeypatch.setattr(search, "run_pagefind", lambda site, bundle: runs.append(1) or run_pagefind(site, bundle))
    new, seeds = bundle_of(tmp_path, "new", RETOLD, vouched(old))
    assert seeds is not None and len(runs) == 2
    fresh, _ = bundle_of(tmp_path, "fresh", RETOLD)
    assert files(new) == files(fresh)
