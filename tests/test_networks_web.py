"""The channel page shows the channel's network, its members and the evidence, over the live web app."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from svodka.model import PairEvidence
from test_web_support import FORWARDER, REWRITER, WebEnv, login, web  # noqa: F401


@pytest.fixture(scope="module")
def viewer(web: WebEnv):  # type: ignore[no-untyped-def]  # noqa: F811
    c = login(web.base, "viewer")
    yield c
    c.close()


def test_the_channel_page_shows_its_network(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    fwd, rew = web.store.channels.get(FORWARDER), web.store.channels.get(REWRITER)
    declared = web.store.networks.declare("Пара", [fwd.id, rew.id])
    evidence = (PairEvidence(min(fwd.id, rew.id), max(fwd.id, rew.id), 12, 0, 90.0, ("t.me/+pair",)),)
    web.store.networks.save_found([replace(declared, evidence=evidence)])  # as an update would find it
    data = viewer.get(f"/channels/{fwd.id}", params={"format": "json"}).json()
    assert data["network"]["name"] == "Пара" and data["network"]["counts_as_one_source"] is True
    assert {c["name"] for c in data["network"]["channels"]} == {fwd.name, rew.name}
    assert data["network"]["evidence"][0]["shared_texts"] == 12
    page = viewer.get(f"/channels/{rew.id}").text
    assert "<h2>Network</h2>" in page and "count as <strong>one</strong> independent source" in page
    assert "12 shared texts, median delay 1.5 min; shared links t.me/+pair" in page
    other = next(c for c in web.store.channels.list() if c.id not in (fwd.id, rew.id))
    assert "<h2>Network</h2>" not in viewer.get(f"/channels/{other.id}").text
