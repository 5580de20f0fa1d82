"""Which projects to check, and checking them: claims, leases, rate-limit blocks, the pool.

Everything several workers share lives in the database, so any number of task-queue workers
on any number of machines can run cycles side by side (design.md §6):

- **Claims** (:mod:`.claims`). :func:`claim_due_projects` takes the projects whose
  ``next_check`` has come and leases them (``CHECK_TIMEOUT`` + a margin), so no other worker
  takes them; the check then sets the real ``next_check``, and a worker that dies leaves its
  projects due again when the lease runs out.
- **Rate limits** (:mod:`.blocks`). A check answered "rate limited" blocks its scope (a host,
  or a host plus a token) for every worker until the reset time; projects behind a live block
  are moved to it without a request and without touching their error streak.
- **The pool** (:mod:`.pool`). :class:`CheckPool` checks batches with ``CRON_POOL`` threads
  and a hard per-project time limit (``CHECK_TIMEOUT``).
- **Cycles** (:mod:`.cycle`). :func:`run_cycle` claims and checks batches until nothing that
  was due when it started is left; :func:`drain` is its loop, which the task queue's
  ``check_due`` tasks share; :func:`check_now` checks chosen projects, due or not.
- **Runs** (:mod:`.runs`). Each cycle records a :class:`~projects.models.CheckRun`.
- **Feeds** (:mod:`.feeds`). Upstreams' release feeds make the projects they announce a new
  version of due at once.

Every move of ``next_check`` goes through :mod:`projects.next_check`.
"""

from projects.scheduler.blocks import (
    BatchBlocks,
    block_scope,
    blocked_until,
    clean_expired_blocks,
    project_scope,
)
from projects.scheduler.claims import (
    LEASE_MARGIN,
    claim_due_projects,
    due_projects,
    lease_duration,
    release_projects,
)
from projects.scheduler.cycle import check_batch, check_now, drain, load_claimed, run_cycle
from projects.scheduler.feeds import read_feed, schedule_feed_entries
from projects.scheduler.outcomes import Checked, Counts, Progress
from projects.scheduler.pool import CheckPool, check_and_record, check_one
from projects.scheduler.runs import (
    add_to_run,
    check_task_count,
    cycle_still_running,
    open_shared_run,
    task_done,
)

__all__ = [
    "LEASE_MARGIN",
    "BatchBlocks",
    "CheckPool",
    "Checked",
    "Counts",
    "Progress",
    "add_to_run",
    "block_scope",
    "blocked_until",
    "check_and_record",
    "check_batch",
    "check_now",
    "check_one",
    "check_task_count",
    "claim_due_projects",
    "clean_expired_blocks",
    "cycle_still_running",
    "drain",
    "due_projects",
    "lease_duration",
    "load_claimed",
    "open_shared_run",
    "project_scope",
    "read_feed",
    "release_projects",
    "run_cycle",
    "schedule_feed_entries",
    "task_done",
]
