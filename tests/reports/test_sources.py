"""A source's optional joins are made only when the statement reads their alias."""

from reports.sources import CALLBACKS, CASES


def test_a_join_is_made_only_when_its_alias_is_read() -> None:
    bare = CALLBACKS.from_clause("b.unit_id::text b.due_at >= %(t0)s")
    assert bare == CALLBACKS.table
    filtered = CALLBACKS.from_clause("b.unit_id::text (bc.channel = %(channel)s)")
    assert filtered == f"{CALLBACKS.table} JOIN dispatch_call bc ON bc.id = b.call_id"
    both = CALLBACKS.from_clause("COALESCE(bi.reference, bk.reference), bc.category")
    assert "dispatch_incident bi" in both
    assert "desk_case bk" in both
    assert "dispatch_call bc" in both
    # "kc." is the case's call; "k." alone (the case) is not an alias of a join.
    assert "dispatch_call kc" in CASES.from_clause("kc.taker_id::text")
    assert CASES.from_clause("k.replied_at <= k.due_at") == CASES.table
