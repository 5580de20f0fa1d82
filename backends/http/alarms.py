"""Alarms at a deadline, served by one thread for the whole process.

Each request and each body read of a check sets an alarm that shuts its sockets down at the
check's deadline (a read that trickles past every socket timeout ends there). A
``threading.Timer`` each was a new thread per request: about 0.1 ms of CPU to start and stop,
more than a 304 answer costs us otherwise. :func:`set_alarm` adds the alarm to a heap served
by one daemon thread, started on first use; an alarm cancelled in time never runs.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
import time
from collections.abc import Callable

#: Every this many alarms set, the cancelled ones are dropped from the heap.
PRUNE_EVERY = 4096


class Alarm:
    """One alarm: runs its action at ``at`` (a :func:`time.monotonic` time) unless cancelled."""

    __slots__ = ("action", "at", "cancelled")

    def __init__(self, at: float, action: Callable[[], object]) -> None:
        self.at = at
        self.action: Callable[[], object] | None = action
        self.cancelled = False

    def cancel(self) -> None:
        # The action (a check's client or answer, through a bound method or closure) is let
        # go now, not when the alarm's time comes: a check's alarms are set a deadline ahead
        # (60 s) and nearly all are cancelled within milliseconds.
        self.cancelled = True
        self.action = None


class _AlarmClock:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Alarm]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def set(self, seconds: float, action: Callable[[], object]) -> Alarm:
        alarm = Alarm(time.monotonic() + max(0.0, seconds), action)
        with self._changed:
            order = next(self._order)
            if order % PRUNE_EVERY == 0:
                self._prune()
            heapq.heappush(self._heap, (alarm.at, order, alarm))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._serve, name="releasemon-alarms", daemon=True
                )
                self._thread.start()
            elif self._heap[0][2] is alarm:
                self._changed.notify()  # the new alarm rings before the one waited for
        return alarm

    def _prune(self) -> None:
        """Drop the cancelled alarms (the caller holds the lock): at a few hundred checks a
        second, a deadline's worth of them would otherwise wait in the heap for their time."""
        self._heap = [entry for entry in self._heap if not entry[2].cancelled]
        heapq.heapify(self._heap)

    def _serve(self) -> None:
        while True:
            with self._changed:
                while self._heap and self._heap[0][2].cancelled:
                    heapq.heappop(self._heap)  # cancelled ones go without waiting for them
                if not self._heap:
                    self._changed.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._changed.wait(wait)
                    continue
                _, _, alarm = heapq.heappop(self._heap)
            action = alarm.action  # (None once cancelled, whenever that happened)
            if action is not None:
                # An alarm only shuts sockets down; a failure there has nobody to tell.
                with contextlib.suppress(Exception):
                    action()


_clock = _AlarmClock()


def set_alarm(seconds: float, action: Callable[[], object]) -> Alarm:
    """Run ``action`` in ``seconds`` unless the returned alarm is cancelled first."""
    return _clock.set(seconds, action)
