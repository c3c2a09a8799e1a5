"""The SQLite backend: the embedded default (WAL, foreign keys, one writer)."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

from svodka.store.lifecycle import Lifecycle
from svodka.store.sqlite.alerts import SqliteAlerts
from svodka.store.sqlite.api_keys import SqliteApiKeys
from svodka.store.sqlite.browse import SqliteBrowse
from svodka.store.sqlite.channel_stats import SqliteChannelStats
from svodka.store.sqlite.channels import SqliteChannels
from svodka.store.sqlite.claims import SqliteClaims
from svodka.store.sqlite.corrections import SqliteCorrections
from svodka.store.sqlite.db import Database
from svodka.store.sqlite.developments import SqliteDevelopments
from svodka.store.sqlite.digest_jobs import SqliteDigestJobs
from svodka.store.sqlite.digests import SqliteDigests
from svodka.store.sqlite.embed_claims import SqliteEmbedClaims
from svodka.store.sqlite.feeds import SqliteFeeds, SqliteInbox
from svodka.store.sqlite.interface import SqliteInterface
from svodka.store.sqlite.lease import SqliteLease
from svodka.store.sqlite.login_attempts import SqliteLoginAttempts
from svodka.store.sqlite.marks import SqliteMarks
from svodka.store.sqlite.networks import SqliteNetworks
from svodka.store.sqlite.posts import SqlitePosts
from svodka.store.sqlite.questions import SqliteQuestions
from svodka.store.sqlite.read_state import SqliteReadState
from svodka.store.sqlite.sessions import SqliteSessions
from svodka.store.sqlite.state import SqliteState
from svodka.store.sqlite.stories import SqliteAnalysis, SqliteStories
from svodka.store.sqlite.storylines import SqliteStorylines
from svodka.store.sqlite.users import SqliteUsers
from svodka.store.sqlite.watchlists import SqliteWatchlists
from svodka.store.stamp import SqliteStamp


class SqliteStore(Lifecycle):
    """An open SQLite database and its repositories."""

    def __init__(self, path: Path, busy_timeout: float = 10.0, readonly: bool = False) -> None:
        self.url = str(path)
        self.db = Database(path, busy_timeout=busy_timeout, readonly=readonly)
        self.channels = SqliteChannels(self.db)
        self.posts = SqlitePosts(self.db, self.channels)
        self.state = SqliteState(self.db)
        self.digests = SqliteDigests(self.db)
        self.digest_jobs = SqliteDigestJobs(self.db)
        self.users = SqliteUsers(self.db)
        self.sessions = SqliteSessions(self.db)
        self.api_keys = SqliteApiKeys(self.db)
        self.login_attempts = SqliteLoginAttempts(self.db)
        self.marks = SqliteMarks(self.db)
        self.channel_stats = SqliteChannelStats(self.db)
        self.stories = SqliteStories(self.db)
        self.analysis = SqliteAnalysis(self.db)
        self.questions = SqliteQuestions(self.db)
        self.watchlists, self.alerts = SqliteWatchlists(self.db), SqliteAlerts(self.db)
        self.developments = SqliteDevelopments(self.db)
        self.browse = SqliteBrowse(self.db)
        self.read_state = SqliteReadState(self.db)
        self.networks = SqliteNetworks(self.db)
        self.feeds, self.inbox = SqliteFeeds(self.db), SqliteInbox(self.db)
        self.lease = SqliteLease(self.db)
        self.claims = SqliteClaims(self.db)
        self.corrections = SqliteCorrections(self.db)
        self.storylines = SqliteStorylines(self.db)
        self.interface = SqliteInterface(self.db)
        self.embed_claims = SqliteEmbedClaims(self.db)
        self._stamp = SqliteStamp(self.db)

    def stamp(self) -> Hashable:
        """The store's change stamp (:mod:`svodka.store.stamp`): equal twice only if nothing was committed."""
        return self._stamp()
