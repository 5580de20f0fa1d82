"""The process's alarm clock (backends/http/alarms.py), which ends reads at a check's
deadline: alarms ring in their order, not before their time, and never once cancelled."""

from __future__ import annotations

import threading
import time

from backends.http.alarms import set_alarm


def test_alarms_ring_in_the_order_of_their_times_not_of_their_setting():
    rang: list[str] = []
    done = threading.Event()
    set_alarm(0.3, lambda: (rang.append("late"), done.set()))
    set_alarm(0.1, lambda: rang.append("early"))
    started = time.monotonic()
    assert done.wait(5)
    assert rang == ["early", "late"]
    assert time.monotonic() - started >= 0.29


def test_a_cancelled_alarm_never_rings():
    rang: list[str] = []
    done = threading.Event()
    alarm = set_alarm(0.05, lambda: rang.append("cancelled"))
    alarm.cancel()
    set_alarm(0.15, done.set)
    assert done.wait(5)
    assert rang == []


def test_a_failing_action_does_not_stop_the_clock():
    done = threading.Event()
    set_alarm(0.01, lambda: 1 / 0)
    set_alarm(0.05, done.set)
    assert done.wait(5)
