"""A small network of "machines" on this one: Linux network namespaces on a bridge.

Each host is a network namespace with one veth interface plugged into a bridge in the root
namespace; the bridge carries an address too, so this process (the benchmark's controller)
reaches every host without entering a namespace. No namespace has a default route and IP
forwarding is not touched, so nothing started here can reach beyond the bridge.

Every process started on a host is also put in a cpuacct cgroup of its own (cgroup v1, as on
this machine), whose ``cpuacct.usage`` counts the CPU of all its processes, their children
and the ones that already exited: that is how the benchmark measures each host's CPU.

Everything a :class:`Lab` creates is named ``rmb<N>...`` (``N`` picked so that two runs do
not collide) and removed by :meth:`Lab.cleanup`, which is idempotent and registered with
``atexit``.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CPUACCT = Path("/sys/fs/cgroup/cpuacct")


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``ip`` (iproute2) with ``args``."""
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


@dataclass
class Host:
    """One namespace: its name, its address on the bridge, its cgroup and processes."""

    name: str  # short role name: db, up, w1, ...
    netns: str
    address: str
    veth: str  # the root namespace's end of the veth pair
    cgroup: Path | None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def cpu_seconds(self) -> float:
        """CPU time of every process ever started on this host (cpuacct), in seconds."""
        if self.cgroup is None:
            return 0.0
        try:
            return int((self.cgroup / "cpuacct.usage").read_text()) / 1e9
        except (OSError, ValueError):
            return 0.0

    def pids(self) -> list[int]:
        """Every process running in the namespace, whoever started it."""
        out = ip("netns", "pids", self.netns, check=False).stdout
        return [int(pid) for pid in out.split() if pid.isdigit()]


class Lab:
    """The namespaces, the bridge, the cgroups and a temporary folder; see the module."""

    def __init__(self, keep_logs: bool = False) -> None:
        self.index = self._free_index()
        self.prefix = f"rmb{self.index}"
        self.subnet = f"10.213.{self.index}"
        self.bridge = f"{self.prefix}br"
        self.gateway = f"{self.subnet}.254"
        self.hosts: dict[str, Host] = {}
        self.tmp = Path(tempfile.mkdtemp(prefix="releasemon-multihost-"))
        # PostgreSQL runs as the postgres user, which must reach its folder under this one.
        self.tmp.chmod(0o755)
        self.keep_logs = keep_logs
        self._cleaned = False
        self._bridge_made = False
        atexit.register(self.cleanup)

    @staticmethod
    def _free_index() -> int:
        """A subnet and name index no other interface or namespace uses."""
        addresses = ip("-br", "addr", check=False).stdout
        namespaces = ip("netns", "list", check=False).stdout
        for index in range(1, 250):
            if f"10.213.{index}." not in addresses and f"rmb{index}-" not in namespaces:
                return index
        raise SystemExit("no free 10.213.x.0/24 subnet for the benchmark's network")

    # -- the network ----------------------------------------------------------------------

    def make_bridge(self) -> None:
        ip("link", "add", self.bridge, "type", "bridge")
        self._bridge_made = True
        ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")

    def add_host(self, name: str, octet: int) -> Host:
        """A namespace named ``<prefix>-<name>`` at ``<subnet>.<octet>`` on the bridge."""
        netns = f"{self.prefix}-{name}"
        veth = f"{self.prefix}{name}"
        host = Host(name, netns, f"{self.subnet}.{octet}", veth, None)
        self.hosts[name] = host  # registered first, so cleanup removes a half-made host
        ip("netns", "add", netns)
        ip("link", "add", veth, "type", "veth", "peer", "name", f"{veth}p")
        ip("link", "set", f"{veth}p", "netns", netns)
        ip("link", "set", veth, "master", self.bridge)
        ip("link", "set", veth, "up")
        inside = ("netns", "exec", netns, "ip")
        ip(*inside, "link", "set", f"{veth}p", "name", "eth0")
        ip(*inside, "addr", "add", f"{host.address}/24", "dev", "eth0")
        ip(*inside, "link", "set", "eth0", "up")
        ip(*inside, "link", "set", "lo", "up")
        cgroup = CPUACCT / f"{self.prefix}-{name}"
        if CPUACCT.is_dir():
            with contextlib.suppress(OSError):
                cgroup.mkdir()
                host.cgroup = cgroup
        return host

    def cut(self, host: Host) -> None:
        """Take the host off the network at once, as a crash or a pulled cable would: its
        peers get no FIN or RST for the connections it had open."""
        ip("link", "set", host.veth, "down", check=False)

    # -- processes ------------------------------------------------------------------------

    def start(
        self,
        host: Host,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        log: str,
        user: str | None = None,
        cwd: str | os.PathLike[str] | None = None,
        stdout: int | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start ``command`` on ``host`` (in its namespace and cgroup), as ``user`` if given,
        its output appended to ``<tmp>/logs/<log>`` (stdout to a pipe with ``stdout=PIPE``)."""
        prefix = ["ip", "netns", "exec", host.netns]
        if user:  # "name" or "name:group"
            name, _, group = user.partition(":")
            prefix += ["setpriv", f"--reuid={name}", f"--regid={group or name}", "--init-groups"]
            prefix.append("--")
        logs = self.tmp / "logs"
        logs.mkdir(exist_ok=True)
        logs.chmod(0o777)
        log_file = open(logs / log, "ab")  # noqa: SIM115 (kept open by the child)
        tasks = host.cgroup / "cgroup.procs" if host.cgroup else None

        # In the child, before exec, so everything it starts is counted too. (preexec_fn is
        # only unsafe with threads that hold locks at the fork; the controller runs none.)
        def join_cgroup() -> None:
            if tasks is not None:
                tasks.write_text(str(os.getpid()))

        process = subprocess.Popen(
            [*prefix, *command],
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=stdout if stdout is not None else log_file,
            stderr=log_file,
            preexec_fn=join_cgroup,
            start_new_session=True,  # Ctrl-C in the terminal reaches us, not them
        )
        log_file.close()
        host.processes.append(process)
        return process

    def log_tail(self, log: str, lines: int = 30) -> str:
        path = self.tmp / "logs" / log
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def kill_host(self, host: Host, *, attempts: int = 50) -> int:
        """SIGKILL every process in the host's namespace until none is left (a forking
        parent could start a new one between listing and killing); return how many."""
        killed = 0
        for _ in range(attempts):
            pids = host.pids()
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
            time.sleep(0.05)
        for process in host.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        host.processes.clear()
        return killed

    def stop_host(self, host: Host, timeout: float = 15.0) -> None:
        """SIGTERM the processes started on the host, wait, then kill what is left."""
        for process in host.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in host.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        self.kill_host(host)

    # -- cleanup --------------------------------------------------------------------------

    def cleanup(self) -> None:
        """Kill every process on every host, delete the namespaces, the bridge, the cgroups
        and the temporary folder. Safe to call twice, and after a partial start."""
        if self._cleaned:
            return
        self._cleaned = True
        for host in self.hosts.values():
            with contextlib.suppress(Exception):
                self.kill_host(host)
        for host in self.hosts.values():
            ip("link", "del", host.veth, check=False)  # deletes its peer too
            ip("netns", "del", host.netns, check=False)
            if host.cgroup is not None:
                for _ in range(50):  # the killed processes leave the cgroup a moment later
                    try:
                        host.cgroup.rmdir()
                        break
                    except FileNotFoundError:
                        break
                    except OSError:
                        time.sleep(0.1)
        if self._bridge_made:
            ip("link", "del", self.bridge, check=False)
        if self.keep_logs:
            print(f"logs kept in {self.tmp / 'logs'}")
            for child in self.tmp.iterdir():
                if child.name != "logs":
                    shutil.rmtree(child, ignore_errors=True)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
