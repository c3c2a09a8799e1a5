"""Sources: each module turns one kind of input (an export file, a web page, a feed, an API) into
:class:`svodka.model.Post` records. Nothing here writes to the store."""
