"""Starting a data-parallel job: ``gatviz train --nproc N [--nnodes M --rdzv-endpoint H:P]``
runs the same command under ``torchrun`` (``--standalone`` on one machine, or joining torchrun's
c10d rendezvous), checks first that a remote rendezvous host can be reached, and turns a failed
job's pages of torchrun output into one line: a rank's own gatviz error, or which rank failed
first and how. Nothing here imports torch; the ranks themselves are :mod:`gatviz.distributed`.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time

from gatviz.errors import ConfigError, GatvizError

LAUNCHER_OPTIONS = ("--nproc", "--nnodes", "--rdzv-endpoint", "--rdzv-timeout")
RENDEZVOUS_TIMEOUT_S = 60  # how long a node waits for the rendezvous host to answer


def rank_arguments(argv: list[str]) -> list[str]:
    """The command line each rank runs: ``argv`` without the launcher's own options."""
    rest, skip = [], False
    for word in argv:
        if skip:
            skip = False
        elif word in LAUNCHER_OPTIONS:
            skip = True
        elif not word.startswith(tuple(f"{option}=" for option in LAUNCHER_OPTIONS)):
            rest.append(word)
    return rest


def torchrun_command(
    argv: list[str],
    nproc: int,
    nnodes: int = 1,
    endpoint: str | None = None,
    timeout_s: float = RENDEZVOUS_TIMEOUT_S,
) -> list[str]:
    """``torchrun ... -m gatviz <argv>`` for ``nproc`` processes on each of ``nnodes`` machines."""
    if nproc < 1 or nnodes < 1:
        raise ConfigError(f"--nproc and --nnodes must be at least 1 (got {nproc}, {nnodes})")
    where = ["--standalone"]
    if nnodes > 1:
        if not endpoint:
            raise ConfigError(
                "--nnodes above 1 needs --rdzv-endpoint host:port, the same on every machine"
            )
        where = [f"--nnodes={nnodes}", "--rdzv-backend=c10d", f"--rdzv-endpoint={endpoint}",
                 "--rdzv-id=gatviz", f"--rdzv-conf=join_timeout={int(timeout_s)}"]  # fmt: skip
    return [sys.executable, "-m", "torch.distributed.run", *where, f"--nproc-per-node={nproc}",
            "-m", "gatviz", *rank_arguments(argv)]  # fmt: skip


def run_torchrun(command: list[str]) -> None:
    """Run the job; its stdout (rank 0's JSON line) passes through. A failure is one
    :class:`GatvizError` line."""
    run = subprocess.run(command, stderr=subprocess.PIPE, text=True, errors="replace")
    if run.returncode == 0:
        sys.stderr.write(run.stderr)
        return
    raise GatvizError(
        f"torchrun ended with exit status {run.returncode}: {failure_reason(run.stderr)}"
    )


def failure_reason(stderr: str) -> str:
    """The one line that says why a torchrun job failed: a rank's own gatviz error if one
    printed it, else the last exception torch reported (torchrun prints pages of traceback)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("gatviz: error: "):
            return line.removeprefix("gatviz: error: ")
    if "Root Cause (first observed failure):" in lines:  # torchrun's summary of a dead rank
        cause: dict[str, str] = {}
        for line in lines[lines.index("Root Cause (first observed failure):") + 1 :]:
            key, _, value = line.partition(":")
            if key.strip() in ("host", "rank", "exitcode", "traceback"):
                cause.setdefault(key.strip(), value.strip())
        if "rank" in cause:
            return (
                f"rank {cause['rank']} on {cause.get('host', '?')} failed first (exit code "
                f"{cause.get('exitcode', '?')}: {cause.get('traceback', '')}); torchrun stopped "
                "the others"
            )
    for line in reversed(lines):
        head = line.split(":", 1)[0]
        if head.endswith(("Error", "Exception", "Failure")) and " " not in head:
            return line[:300]
    return lines[-1][:300] if lines else "no reason given"


def check_rendezvous(endpoint: str, timeout_s: float = RENDEZVOUS_TIMEOUT_S) -> None:
    """Before torchrun joins a multi-node rendezvous at ``host:port``: the host must resolve and,
    unless it is this machine (whose torchrun then hosts the rendezvous), accept a connection
    within ``timeout_s``. Otherwise one :class:`GatvizError` says so (torchrun itself would
    print pages of traceback, or retry for minutes)."""
    host, _, port_text = endpoint.rpartition(":")
    if not host or not port_text.isdigit():
        raise ConfigError(f"the rendezvous endpoint must be host:port (got {endpoint!r})")
    port = int(port_text)
    try:
        addresses = {
            str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        }
    except OSError as error:
        raise GatvizError(
            f"cannot reach the rendezvous at {endpoint}: {host} does not resolve ({error})"
        ) from error
    local = _local_addresses()
    if any(address in local or address.startswith("127.") for address in addresses):
        return
    deadline, reason = time.monotonic() + timeout_s, "no answer"
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=min(5.0, timeout_s)):
                return
        except OSError as error:
            reason = error.strerror or str(error)
            time.sleep(0.5)
    raise GatvizError(
        f"cannot reach the rendezvous at {endpoint} within {timeout_s:g} s ({reason}): start the "
        "job on that host first, or check the address and the firewall"
    )


def _local_addresses() -> set[str]:
    local = {"::1"}
    try:
        local |= set(socket.gethostbyname_ex(socket.gethostname())[2])
    except OSError:
        pass
    return local
