"""Watchlists and notifications: who wants to hear about which releases, and how.

A person watches projects (or every project mapped in a distribution) with rules, and owns
channels (e-mail, signed webhooks). A consumer of the event log fans each new-version event out
into one :class:`~projects.notify.models.Delivery` row per (event, watch, channel); delivery
tasks send them, at least once, in event order per watch (design.md §9).
"""
