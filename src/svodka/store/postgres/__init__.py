"""The PostgreSQL backend: a team server's store (a connection pool, many processes on one database)."""

from __future__ import annotations

from collections.abc import Hashable

from svodka.store.lifecycle import Lifecycle
from svodka.store.postgres.alerts import PgAlerts
from svodka.store.postgres.api_keys import PgApiKeys
from svodka.store.postgres.browse import PgBrowse
from svodka.store.postgres.channel_stats import PgChannelStats
from svodka.store.postgres.channels import PgChannels
from svodka.store.postgres.claims import PgClaims
from svodka.store.postgres.corrections import PgCorrections
from svodka.store.postgres.db import Database, safe_url
from svodka.store.postgres.developments import PgDevelopments
from svodka.store.postgres.digest_jobs import PgDigestJobs
from svodka.store.postgres.digests import PgDigests
from svodka.store.postgres.embed_claims import PgEmbedClaims
from svodka.store.postgres.feeds import PgFeeds, PgInbox
from svodka.store.postgres.interface import PgInterface
from svodka.store.postgres.lease import PgLease
from svodka.store.postgres.login_attempts import PgLoginAttempts
from svodka.store.postgres.marks import PgMarks
from svodka.store.postgres.networks import PgNetworks
from svodka.store.postgres.posts import PgPosts
from svodka.store.postgres.questions import PgQuestions
from svodka.store.postgres.read_state import PgReadState
from svodka.store.postgres.sessions import PgSessions
from svodka.store.postgres.state import PgState
from svodka.store.postgres.stories import PgAnalysis, PgStories
from svodka.store.postgres.storylines import PgStorylines
from svodka.store.postgres.users import PgUsers
from svodka.store.postgres.watchlists import PgWatchlists
from svodka.store.stamp import PostgresStamp


class PgStore(Lifecycle):
    """An open PostgreSQL database and its repositories."""

    def __init__(self, url: str, busy_timeout: float = 10.0, readonly: bool = False) -> None:
        self.url = safe_url(url)  # what is shown; the password never leaves the connection string
        self.db = Database(url, busy_timeout=busy_timeout, readonly=readonly)
        self.channels = PgChannels(self.db)
        self.posts = PgPosts(self.db, self.channels)
        self.state = PgState(self.db)
        self.digests = PgDigests(self.db)
        self.digest_jobs = PgDigestJobs(self.db)
        self.users = PgUsers(self.db)
        self.sessions = PgSessions(self.db)
        self.api_keys = PgApiKeys(self.db)
        self.login_attempts = PgLoginAttempts(self.db)
        self.marks = PgMarks(self.db)
        self.channel_stats = PgChannelStats(self.db)
        self.stories = PgStories(self.db)
        self.analysis = PgAnalysis(self.db)
        self.questions = PgQuestions(self.db)
        self.watchlists, self.alerts = PgWatchlists(self.db), PgAlerts(self.db)
        self.developments = PgDevelopments(self.db)
        self.browse = PgBrowse(self.db)
        self.read_state = PgReadState(self.db)
        self.networks = PgNetworks(self.db)
        self.feeds, self.inbox = PgFeeds(self.db), PgInbox(self.db)
        self.lease = PgLease(self.db)
        self.claims = PgClaims(self.db)
        self.corrections = PgCorrections(self.db)
        self.storylines = PgStorylines(self.db)
        self.interface = PgInterface(self.db)
        self.embed_claims = PgEmbedClaims(self.db)
        self._stamp = PostgresStamp(self.db)

    def stamp(self) -> Hashable:
        """The store's change stamp (:mod:`svodka.store.stamp`): equal twice only if nothing was committed."""
        return self._stamp()
