"""Sending deliveries: webhooks signed per Standard Webhooks, and e-mails.

- :mod:`~projects.notify.delivery.claims`: what is due, and claiming it for one worker;
- :mod:`~projects.notify.delivery.run`: :func:`deliver_due`, the task's loop;
- :mod:`~projects.notify.delivery.sending`: one attempt, its log, retries, channel health;
- :mod:`~projects.notify.delivery.backoff`: when to retry, when to give up;
- :mod:`~projects.notify.delivery.webhook` and :mod:`~projects.notify.delivery.email`: the
  two ways out (no database: the worker threads run them);
- :mod:`~projects.notify.delivery.manual`: test messages and redelivery;
- :mod:`~projects.notify.delivery.unsubscribe`: the signed one-click unsubscribe links.

The faces call the names below.
"""

from projects.notify.delivery.manual import redeliver, send_test
from projects.notify.delivery.run import deliver_due
from projects.notify.delivery.unsubscribe import channel_for_unsubscribe, unsubscribe_url

__all__ = [
    "channel_for_unsubscribe",
    "deliver_due",
    "redeliver",
    "send_test",
    "unsubscribe_url",
]
