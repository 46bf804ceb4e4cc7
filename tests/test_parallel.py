"""Work spread over the cores: the same results, in order, as in one process."""

from __future__ import annotations

from digest.parallel import run_all, shared


def _square_plus_shared(item: int) -> int:
    return item * item + shared()


def test_work_spread_over_processes_comes_back_in_order():
    items = list(range(500))
    assert run_all(_square_plus_shared, items, data=1, min_items=10) == [i * i + 1 for i in items]
    assert run_all(_square_plus_shared, items[:5], data=2) == [i * i + 2 for i in items[:5]]


def test_progress_is_told_of_every_item_done():
    counted = []
    run_all(_square_plus_shared, list(range(300)), data=0, done=counted.append, min_items=10)
    assert sum(counted) == 300
