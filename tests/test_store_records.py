"""What both store backends share (``svodka.store.records``), without a database: the user's network
decisions as the networks to write, the order a channel ref is looked up in, the checks before an account
is written, the rows a correction or a storyline round-trips through, id lists in SQLite's chunks, and a
held row renewed on a thread (``store.lifecycle.renewing``).
The backends run these through tests/test_networks*.py, test_channel*.py, test_web_*.py … on both."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from svodka.errors import NotFoundError, StoreError
from svodka.model import ChannelRef, Network, NewCorrection, PairEvidence, Restore, User
from svodka.store.base import StorylineEntry
from svodka.store.lifecycle import renewing
from svodka.store.records import channels, corrections, lists, networks, storylines, users


def _evidence(a: int, b: int) -> PairEvidence:
    return PairEvidence(a, b, texts=3, forwards=1, median_delay_s=60.0, links=("t.me/x",), examples=(7,))


def test_a_split_keeps_the_stayers_evidence_and_never_links_across() -> None:
    n = Network(5, "Сеть", "proposed", (1, 2, 3, 4), (_evidence(1, 2), _evidence(1, 3), _evidence(3, 4)))
    plan = networks.split(n, [4, 3])
    assert set(plan.apart) == {(1, 3), (1, 4), (2, 3), (2, 4)}
    stay, part = plan.networks
    assert (stay.id, stay.state, stay.channels, stay.evidence) == (5, "confirmed", (1, 2), (_evidence(1, 2),))
    assert (part.id, part.name, part.state, part.channels) == (0, "Сеть (split)", "confirmed", (3, 4))
    assert part.evidence == (_evidence(3, 4),)
    one = networks.split(Network(6, "b", "confirmed", (1, 2, 3)), [3])
    assert [(m.id, m.state, m.channels) for m in one.networks] == [(6, "confirmed", (1, 2))]
    left_alone = networks.split(Network(7, "c", "confirmed", (1, 2)), [2])
    assert [(m.state, m.channels) for m in left_alone.networks] == [("dismissed", (1,))]
    for bad in ([], [1, 2, 3, 4], [9]):
        with pytest.raises(StoreError, match="some, not all"):
            networks.split(n, bad)


def test_a_declared_network_takes_its_channels_from_the_others() -> None:
    stored = [
        Network(1, "a", "confirmed", (1, 2, 3)),
        Network(2, "b", "proposed", (4, 5)),
        Network(3, "c", "confirmed", (8, 9)),
    ]
    written = networks.declared("  мой  ", [5, 3, 2, 5], stored)
    assert [(n.id, n.state, n.channels) for n in written] == [
        (1, "dismissed", (1,)),  # one channel left: no network
        (2, "dismissed", (4,)),
        (0, "declared", (2, 3, 5)),  # the new one last, its name trimmed
    ]
    assert written[-1].name == "мой"
    with pytest.raises(StoreError, match="at least two"):
        networks.declared("x", [1, 1], stored)
    with pytest.raises(StoreError, match="empty"):
        networks.declared("  ", [1, 2], stored)


def test_renaming_confirms_a_proposal_and_finding_names_the_command() -> None:
    n = Network(3, "old", "proposed", (1, 2))
    assert (networks.renamed(n, " new ").name, networks.renamed(n, "new").state) == ("new", "confirmed")
    assert networks.renamed(Network(3, "old", "dismissed", (1, 2)), "new").state == "dismissed"
    with pytest.raises(StoreError, match="empty"):
        networks.renamed(n, " ")
    with pytest.raises(NotFoundError, match="svodka channels networks"):
        networks.find([n], 4)
    counted, dismissed = Network(9, "x", "confirmed", (1, 2)), Network(2, "y", "dismissed", (1, 3))
    assert networks.of_channel([dismissed, counted], 1) == counted
    assert networks.of_channel([dismissed], 1) == dismissed
    assert networks.of_channel([counted], 5) is None


def test_network_evidence_round_trips_through_its_json() -> None:
    items = (_evidence(1, 2), PairEvidence(2, 5, 1, 0, None))
    assert networks.evidence(networks.evidence_json(items)) == items
    assert networks.pair(networks.pair_row(items[1])) == items[1]


def test_a_ref_is_resolved_by_its_platform_id_then_handle_and_by_title_only_when_it_names_neither() -> None:
    both = ChannelRef(handle="Rian_Ru", ext_id="1001", title="РИА")
    assert channels.resolve_keys(both, channels.handle_of(both)) == [
        ("ext_id", "1001"),
        ("handle", "rian_ru"),
    ]
    titled = ChannelRef(title="РИА")
    assert channels.resolve_keys(titled, None) == [("title", "РИА")]
    assert channels.resolve_keys(ChannelRef(handle="a", title="T"), "a") == [("handle", "a")]
    assert channels.find_keys(both) == [("ext_id", "1001"), ("handle", "rian_ru"), ("title", "РИА")]
    with pytest.raises(StoreError, match="names no channel"):
        channels.new_row(ChannelRef(), None, 0)
    assert channels.group_rows(4, [" news ", "", "  "]) == [(4, "news")]


def test_account_checks() -> None:
    assert users.new_name("  anna ") == "anna"
    for bad in ("", "a b", "x" * 65):
        with pytest.raises(StoreError, match="1-64 characters"):
            users.new_name(bad)
    with pytest.raises(StoreError, match="role must be one of"):
        users.check_role("root")
    admin = User(
        id=1, username="anna", role="admin", created_at=datetime(2024, 12, 1, tzinfo=UTC), last_login=None
    )
    with pytest.raises(StoreError, match="last admin"):
        users.check_demotion(admin, "viewer", admins=1)
    users.check_demotion(admin, "viewer", admins=2)
    with pytest.raises(StoreError, match="last admin"):
        users.check_removal(admin, admins=1, users=2)
    users.check_removal(admin, admins=1, users=1)  # the only user may go


def test_a_correction_and_a_storyline_round_trip_through_their_rows() -> None:
    new = NewCorrection("merge", 4, 9, "anna", Restore(((10, 4),), ((4, 4),)), anchors=(10, 11), result=4)
    row = (1, *corrections.new_row(new, 1_733_000_000), None, None)
    c = corrections.to_correction(row)
    assert (c.kind, c.subject, c.target, c.result, c.anchors, c.user) == ("merge", 4, 9, 4, (10, 11), "anna")
    assert c.restore == new.restore and c.undone_at is None
    assert corrections.not_news([("not-news-story", 3), ("not-news-post", 8)]) == (
        frozenset({3}),
        frozenset({8}),
    )
    with pytest.raises(NotFoundError, match="no correction with id 5"):
        corrections.found(None, 5)
    entry = StorylineEntry(3, 1, 10.0, 20.0, 4, b"\x00\x00\x80?", ("Путин",), ("#тег",), (2, 5))
    (stored,) = storylines.entry_rows([entry], 99)
    assert stored[-1] == 99
    assert storylines.entry(stored[:-1]) == entry


def test_sqlite_lists_go_in_chunks_and_postgres_takes_one_array() -> None:
    assert [len(c) for c in lists.chunks(range(2000))] == [900, 900, 200]
    assert list(lists.chunks([])) == []
    assert lists.in_marks(3) == "IN (?,?,?)"
    assert storylines.OF_STORIES.format(ids=lists.ANY).endswith("story_id = ANY(?)")


def test_a_held_row_is_renewed_while_held_and_no_longer(caplog: pytest.LogCaptureFixture) -> None:
    turns: list[int] = []

    def renew() -> bool:
        turns.append(len(turns))
        if len(turns) == 2:
            raise StoreError("database is locked")
        return len(turns) != 3  # the third turn finds the row taken over

    with caplog.at_level("WARNING", logger="svodka.store.lifecycle"):
        with renewing("lease process", 0.06, renew):
            deadline = time.monotonic() + 10
            while len(turns) < 4 and time.monotonic() < deadline:
                time.sleep(0.01)
        done = len(turns)
        time.sleep(0.1)
    assert done >= 4 and len(turns) == done  # renewed every ttl/3 while held, never after
    messages = [r.getMessage() for r in caplog.records]
    assert "lease process: could not renew it: database is locked" in messages
    assert "lease process was taken over by another process while this one held it" in messages
