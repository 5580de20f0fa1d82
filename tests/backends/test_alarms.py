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


def test_a_cancelled_alarm_lets_go_of_its_action_at_once():
    # A check's alarms are set a deadline ahead and cancelled within milliseconds; what they
    # would run (the check's client, its answer) must not live until that deadline.
    import gc
    import weakref

    class Client:
        def shut(self) -> None:
            pass

    client = Client()
    alive = weakref.ref(client)
    alarm = set_alarm(3600, client.shut)
    alarm.cancel()
    del client
    gc.collect()
    assert alive() is None


def test_cancelled_alarms_do_not_pile_up_in_the_clock():
    from backends.http import alarms

    for _ in range(3 * alarms.PRUNE_EVERY):
        set_alarm(3600, lambda: None).cancel()
    assert len(alarms._clock._heap) <= alarms.PRUNE_EVERY + 10
