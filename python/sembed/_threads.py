"""How many threads one model uses when the caller does not say.

Order: $OMP_NUM_THREADS (what Ray, Dask and most schedulers set for a worker), then the CPUs this
process may run on (the affinity mask and the cgroup CPU quota of a container), and when neither
restricts the process, 0: the C++ engine's default, the machine's physical cores. This way N
actors pinned or limited to N cores do not each start one thread per core of the machine.
It does not look at hyper-threads inside the allowed set.
"""

from __future__ import annotations

import math
import os


def _omp_num_threads() -> int | None:
    value = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return None


def _cgroup_cpu_quota() -> float | None:
    """CPUs the cgroup grants (cgroup v2 cpu.max or v1 cfs quota), None when unlimited."""
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            return int(quota) / int(period)
        return None
    except (OSError, ValueError):
        pass
    try:
        with open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") as f:
            quota = int(f.read())
        with open("/sys/fs/cgroup/cpu/cpu.cfs_period_us") as f:
            period = int(f.read())
        if quota > 0 and period > 0:
            return quota / period
    except (OSError, ValueError):
        pass
    return None


def default_threads() -> int:
    """Threads for a model whose caller gave none; 0 means the engine's physical-core default."""
    omp = _omp_num_threads()
    if omp is not None:
        return omp
    total = os.cpu_count() or 1
    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else total
    quota = _cgroup_cpu_quota()
    if quota is not None:
        allowed = min(allowed, max(1, math.ceil(quota)))
    return allowed if allowed < total else 0
