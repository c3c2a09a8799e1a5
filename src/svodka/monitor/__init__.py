"""Monitoring (issue 19): watchlists matched against new posts and stories, alert rules, and an outbox that
delivers every alert once to e-mail, a Telegram bot or a signed webhook.

``Matcher`` (svodka.monitor.match) compiles the watchlists once; ``run_alerts`` (svodka.monitor.run) finds
what is new in the store since its last run, records the alerts it raises and delivers what is due.
"""
