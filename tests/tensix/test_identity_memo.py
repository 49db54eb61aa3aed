"""IdentityMemo (tensix/identity_memo.py): values found by the identities of the objects they were made from."""

import gc
import weakref

from tensix import identity_memo
from tensix.identity_memo import IdentityMemo


class _Step:  # stands in for a frozen step: weakly referable, compared by identity here
    pass


def test_a_value_is_found_only_for_the_very_objects_it_was_put_for():
    memo, a, b = IdentityMemo(), (1, 2), _Step()
    assert memo.get(a, b) is None
    assert memo.put("cover", a, b) == "cover"
    assert memo.get(a, b) == "cover"
    assert memo.get(tuple([1, 2]), b) is None  # an equal tuple is another object
    assert memo.get(b, a) is None and memo.get(a) is None


def test_an_entry_keeps_its_objects_alive_so_no_other_object_takes_their_id():
    memo, step = IdentityMemo(), _Step()
    alive = weakref.ref(step)
    memo.put(7, step)
    del step
    gc.collect()
    assert alive() is not None and memo.get(alive()) == 7


def test_a_full_memo_starts_afresh(monkeypatch):
    monkeypatch.setattr(identity_memo, "LIMIT", 3)
    memo, objs = IdentityMemo(), [_Step() for _ in range(4)]
    for i, o in enumerate(objs[:3]):
        memo.put(i, o)
    memo.put(3, objs[3])  # the fourth: the first three are dropped
    assert [memo.get(o) for o in objs] == [None, None, None, 3]
