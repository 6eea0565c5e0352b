"""The units of a long mjhybrid run as Ray tasks: the driver behind `study --ray` and `transfer --ray`.

The command (scene/ray_units.h) starts it before the run writes anything:

    PYTHON ray_units.py [--address ADDR] --messages-fd 3 < PLAN

It answers {"ok": true} once Ray imports and ADDR answers (or one {"error": LINE}), then starts
a local Ray instance (as many CPUs as this machine has) or connects to the cluster at ADDR while
the command computes what every unit reads (a study's data), and then reads the plan from its
stdin: {"command": [the mjhybrid program and the run's arguments], "cwd": the directory they
are relative to, "units": [{"name": ..., "needs": [the units whose files it reads]}]}. Each
unit becomes a task that runs the same mjhybrid command line with --ray-unit NAME in a
subprocess, which computes that unit alone into the run folder and writes its journal record to
a file; a unit waits for the units it needs. The records go back to the command as JSON lines
on descriptor 3 (stdout when run by hand): {"unit": NAME, "record": {...}, "host": ...,
"seconds": ...} per unit, then {"done": true}, or one {"error": LINE} when something fails. The
command records them in the run's journal and makes the summary itself. So every number comes from the C++ code a serial
run uses.

The driver imports nothing but Ray and the standard library, and is run as a script (the
package's __init__ would import MuJoCo): its task function then goes to the workers by value,
and a worker needs only Ray and the mjhybrid program.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

# one unit per core: a unit trains with one LibTorch thread and steps MuJoCo on one. A study's
# k-step scoring and sysid run two threads for part of a unit; that count stays, because the
# scores' summation order follows it, and a run on Ray must give the serial run's numbers
CPUS_PER_UNIT = 1
# how long a cluster address may take to answer before the command gives up on it, s
CONNECT_TIMEOUT_S = 5.0


class DriverError(Exception):
    """One line for the command to print as its error."""


# where the messages go: the descriptor the command named (--messages-fd), else stdout
MESSAGES_FD = None


def send(message: dict) -> None:
    """A message to the command: one JSON line."""
    channel = os.fdopen(MESSAGES_FD, "w", closefd=False) if MESSAGES_FD is not None else sys.stdout
    try:
        channel.write(json.dumps(message) + "\n")
        channel.flush()
    except BrokenPipeError:
        raise SystemExit(1)  # the command is gone (killed); what it recorded stays


def import_ray():
    try:
        import ray  # noqa: PLC0415 (an error line of our own when it is missing)
    except ImportError as e:
        raise DriverError(f"--ray needs Ray in {sys.executable} ({e}); install the pinned "
                          "ray[rllib] of requirements.txt, or set MJHYBRID_PYTHON to a Python that has it")
    return ray


def check_address(address: str) -> None:
    """Fails fast on an address nothing answers on: ray.init would retry for minutes."""
    if address == "auto":
        return  # ray.init finds the cluster this machine runs, or says there is none
    host_port = address[len("ray://"):] if address.startswith("ray://") else address
    host, _, port = host_port.rpartition(":")
    if not host or not port.isdigit():
        raise DriverError(f"--ray-address '{address}': expected HOST:PORT, ray://HOST:PORT or auto")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as e:
        raise DriverError(f"--ray-address '{address}': no Ray cluster answers there ({e.strerror or e})")


def start_ray(ray, address: str) -> str:
    """A new local instance, or the cluster at ADDRESS; says which, with its CPUs."""
    quiet = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    try:
        if address:
            ray.init(address=address, **quiet)
            where = f"the Ray cluster at {address}"
        else:
            # Ray runs its workers at niceness 15, which hands the cores to any other process (a
            # build) and makes a run on Ray slower than the serial one it is to beat
            os.environ.setdefault("RAY_worker_niceness", "0")
            # "local": a new instance even when `ray start` left one running on this machine
            ray.init(address="local", num_cpus=len(os.sched_getaffinity(0)), **quiet)
            where = "a local Ray instance"
    except Exception as e:  # noqa: BLE001 (Ray raises many kinds; the user needs its words)
        raise DriverError(f"cannot start Ray ({type(e).__name__}: {one_line(str(e))})")
    return f"{where}, {int(ray.cluster_resources().get('CPU', 0))} CPUs"


def one_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else ""


def die_with_parent() -> None:
    """In the unit's process: end when the Ray worker that started it ends (Linux)."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def run_unit(command: list, cwd: str, name: str, *needed) -> dict:
    """A Ray task: unit NAME computed by the mjhybrid command line. `needed`: the results of the
    units it reads, passed only so that Ray starts it after them."""
    start = time.time()
    host = socket.gethostname()
    program = command[0]
    if not os.access(program, os.X_OK):
        # a node whose mjhybrid package lies elsewhere: the `mjhybrid` on its PATH
        program = shutil.which("mjhybrid")
        if program is None:
            raise RuntimeError(f"{host} has no {command[0]} and no mjhybrid on its PATH: "
                               "every node needs the same mjhybrid installed")
    if not os.path.isdir(cwd):
        raise RuntimeError(f"{host} has no {cwd}: every node needs the run's working directory (a shared filesystem)")
    with tempfile.TemporaryDirectory(prefix="mjhybrid-unit-") as scratch:
        record_path = os.path.join(scratch, "record.json")
        proc = subprocess.run([program, *command[1:], "--ray-unit", name, "--ray-unit-record", record_path], cwd=cwd,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, preexec_fn=die_with_parent)
        if proc.returncode != 0:
            errors = [l for l in proc.stderr.splitlines() if l.startswith("mjhybrid: error:")]
            why = errors[-1][len("mjhybrid: error: "):] if errors else f"exit status {proc.returncode}"
            raise RuntimeError(f"unit '{name}' failed on {host}: {why}")
        with open(record_path) as f:
            record = json.load(f)
    return {"unit": name, "record": record, "host": host, "seconds": round(time.time() - start, 1)}


def run_plan(ray, plan: dict) -> None:
    """Every unit of PLAN as a task, a unit after those it needs; each record sent as it comes."""
    task = ray.remote(num_cpus=CPUS_PER_UNIT)(run_unit)
    refs = {}
    for unit in plan["units"]:
        needed = [refs[n] for n in unit["needs"] if n in refs]
        refs[unit["name"]] = task.remote(plan["command"], plan["cwd"], unit["name"], *needed)
    pending = list(refs.values())
    parent = os.getppid()
    while pending:
        done, pending = ray.wait(pending, num_returns=1, timeout=1.0)
        # the command is gone (killed): its units would only be lost, so stop them
        if os.getppid() != parent:
            raise SystemExit(1)
        for ref in done:
            try:
                send(ray.get(ref))
            except ray.exceptions.RayTaskError as e:
                raise DriverError(one_line(str(e.cause)) if e.cause else one_line(str(e)))
            except ray.exceptions.RayError as e:
                raise DriverError(f"a unit was lost on Ray ({type(e).__name__}: {one_line(str(e))})")


def stop_on_sigterm() -> None:
    """SIGTERM (the command ending early) unwinds like an exception, so that Ray is shut down."""
    def stop(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, stop)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="", help="a running Ray cluster (default: a new local instance)")
    parser.add_argument("--messages-fd", type=int, help="the descriptor for the messages (default: stdout)")
    args = parser.parse_args(argv)
    global MESSAGES_FD
    MESSAGES_FD = args.messages_fd
    stop_on_sigterm()
    try:
        ray = import_ray()
        if args.address:
            check_address(args.address)
        send({"ok": True, "ray": ray.__version__})
        where = start_ray(ray, args.address)
        try:
            text = sys.stdin.read()  # the plan; end of file alone: the command ended before it
            if not text.strip():
                return 0
            plan = json.loads(text)
            print(f"[ray] {len(plan['units'])} units on {where}", file=sys.stderr, flush=True)
            run_plan(ray, plan)
            send({"done": True})
        finally:
            ray.shutdown()
    except DriverError as e:
        send({"error": str(e)})
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
