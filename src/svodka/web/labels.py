"""Words the pages show that come from data or code, not templates: marked here for the ``web`` catalog
(``pybabel extract -k N_``) and translated on the page by the ``label`` filter (``{{ s.status|label }}``).

A value that is not in the catalog (a channel name, an error message of another layer) is shown as it is.
"""

from __future__ import annotations


def N_(message: str) -> str:  # gettext's name for "mark only"
    """Mark ``message`` for the catalog; it is translated where it is shown."""
    return message


COLUMNS = {  # the search export's columns (svodka.web.exports.SEARCH_COLUMNS)
    "rank": N_("rank"),
    "date": N_("date"),
    "channel": N_("channel"),
    "text": N_("text"),
    "url": N_("url"),
    "views": N_("views"),
    "forwards": N_("forwards"),
    "post_id": N_("post_id"),
}
TOPICS = {  # svodka.pipeline.story_topics.TOPICS
    "politics": N_("politics"),
    "economy": N_("economy"),
    "society": N_("society"),
    "incidents": N_("incidents"),
    "war and security": N_("war and security"),
    "technology": N_("technology"),
    "science": N_("science"),
    "sport": N_("sport"),
    "culture": N_("culture"),
    "other": N_("other"),
}
WORDS = (
    # sorts (svodka.web.stories_browser.SORT_NAMES, views.SEARCH_SORTS)
    N_("by independent sources"),
    N_("by posts"),
    N_("by first seen"),
    N_("by last active"),
    N_("by relevance"),
    N_("by date"),
    # how a post copies another (svodka.web.provenance)
    N_("forward"),
    N_("near-duplicate"),
    # a source's state on the health page (views.health_page)
    N_("ok"),
    N_("failing"),
    N_("never collected"),
    # roles (svodka.model.ROLES), mark kinds, network states (svodka.model.NETWORK_STATES)
    N_("viewer"),
    N_("analyst"),
    N_("admin"),
    N_("post"),
    N_("story"),
    N_("proposed"),
    N_("confirmed"),
    N_("declared"),
    N_("dismissed"),
    # messages the web layer answers with (error pages, the login and watchlist forms)
    N_("no such page"),
    N_("no such record"),
    N_("login required"),
    N_("the login form has expired; reload it"),
    N_("the form has expired or did not come from svodka; reload it"),
    N_("the current password is wrong"),
    N_("you cannot remove yourself"),
    N_("only its owner or an admin removes a watchlist"),
    N_("a watchlist's feed needs the analyst role"),
    N_("wrong user name or password"),
    N_("this needs the viewer role"),
    N_("this needs the analyst role"),
    N_("this needs the admin role"),
)
