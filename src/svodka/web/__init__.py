"""svodka's web app: server-rendered pages and a JSON API over the store, with local accounts.

:func:`svodka.web.app.create_app` builds the ASGI app; ``svodka serve`` runs it. Stories and digests come
in through :mod:`svodka.web.adapters` only.
"""
