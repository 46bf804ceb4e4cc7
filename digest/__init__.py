"""The county news digest: Markdown reports and a timeline to an HTML digest and feeds.

The build is a pipeline, one module a stage::

    load       sources.py (files, front matter), config.py, yamlfile.py
    validate   content.py (the field table), loading.py (every problem, with its place)
    model      content.py (Article, Body, Event), site.py (Site)
    plan       plan.py: every output of the site, an outputs.Output each
               (pages.py, feeds.py, sitemap.py, photos.py, search.py say what there is)
    render     render.py (Jinja), feeds.py (feedgen), photos.py (Pillow), search.py (Pagefind;
               bundles.py begins a shard's bundle from the last one)
    write      write.py: the only module that writes into the output, swapped in whole

builder.py runs them; cache.py is the one door to what the last build left.

Words used in one sense throughout:

source
    a content file's path relative to the content folder, with ``/``
    (``articles/2020/2020-01-30-yima.md``); a photo's ``src`` is the same, named
    as editors write it in the front matter.
dest
    a file's path in the output folder (``articles/yima/index.html``).
url
    an address relative to the site root (``articles/yima/``); a page's dest
    is its url plus ``index.html`` (urls.py holds the folders). Absolute
    addresses come from ``SiteConfig.absolute_url``.
root
    the way back from a page to the site root (``../../``).
report
    a news report, one Markdown file. What goes wrong in the content is a
    *problem* (errors.py); what ``check`` and a build print at the end is the
    *summary* (summary.py).
signature
    a hash of everything an output's bytes depend on (changes.py); an output
    whose signature is unchanged is kept.
fingerprint
    what an article's final state is known by: its file's bytes and the
    addresses its links resolved to.
signs, stamp
    what says a file is unchanged without reading it: its size, times and
    inode (signs, for content files, as git does); its inode, size and
    modification time (stamp, for the files the build made).
manifest
    what a tree the build made holds: each file's content id and stamp.
spare
    the output before last, kept in the cache, updated into the next output
    and swapped in.
facts
    what the build knows of a picture: the hash of its bytes and its size.
seal
    a cached rendition's stamp and sha256, kept beside it.
"""
