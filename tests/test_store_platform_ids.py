"""Platform-neutral channel ids (issue 12 §4): an external id is unique per platform, not across them.

(What migration 0012 does to a store written before it: tests/sqlite/test_sqlite_store_v0010.py.)"""

from __future__ import annotations

from svodka.model import ChannelRef
from svodka.store import Store


def test_ext_ids_are_per_platform(store: Store) -> None:
    tg = store.channels.resolve(ChannelRef("telegram", ext_id="42"))
    vk = store.channels.resolve(ChannelRef("vk", ext_id="42", handle="club42"))
    text_id = store.channels.resolve(ChannelRef("vk", ext_id="id_durov"))
    assert len({tg, vk, text_id}) == 3
    assert store.channels.by_id(vk).tg_id is None and store.channels.by_id(tg).tg_id == 42
    assert store.channels.by_id(text_id).ext_id == "id_durov"
    assert store.channels.resolve(ChannelRef("vk", ext_id="42")) == vk
