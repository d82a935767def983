"""Which BLAS this process actually runs on, and with how many threads, for the benchmark peers.

Run with Debian's interpreter, /usr/bin/python3 (see install-peer.sh).

Build flags say what a library could link against; on Debian, torch and numpy link libblas.so.3, whatever the
alternatives system points it at. So this reads /proc/self/maps (the shared objects really mapped into this
process) and, for OpenBLAS, asks the library itself for its build and thread count.
"""
import ctypes
import os
import re
import sys

_BLAS_NAME = re.compile(r"lib(open)?blas|liblapack|libmkl|libblis|libdnnl|libgomp", re.IGNORECASE)


def pin_threads(threads):
    """Sets the BLAS/OpenMP thread variables and re-executes this script once if they were not already set so.

    OpenBLAS and libgomp read them when they are loaded, so they must be in the environment before numpy or torch is
    imported; re-executing makes that true however this process was started. Call before importing numpy/torch.
    """
    wanted = str(threads)
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    if all(os.environ.get(n) == wanted for n in names):
        return
    if "numpy" in sys.modules or "torch" in sys.modules:
        raise RuntimeError("pin_threads must run before numpy or torch is imported")
    env = dict(os.environ, **{n: wanted for n in names})
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def thread_env():
    """The environment variables that change how BLAS and OpenMP threads run, as set for this process.

    On a loaded machine they matter as much as the thread count: with libgomp's default (active) waiting, each of the
    many small parallel regions of a training step can stall for a scheduler time slice when a peer thread is
    descheduled, and OMP_WAIT_POLICY=PASSIVE changes a step's time by an order of magnitude there.
    """
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT",
             "OMP_PROC_BIND", "OMP_PLACES")
    return {n: os.environ[n] for n in names if n in os.environ}


def mapped_libraries():
    """Real paths of the BLAS, LAPACK and OpenMP libraries mapped into this process, sorted."""
    found = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and _BLAS_NAME.search(os.path.basename(fields[5])):
                found.add(os.path.realpath(fields[5]))
    return sorted(found)


def openblas_info():
    """{"config", "threads"} from the OpenBLAS mapped into this process, or None when none is."""
    # The library itself (libopenblasp-r0.3.21.so) first, then Debian's libblas.so.3 alternative that wraps it.
    candidates = sorted((p for p in mapped_libraries() if "openblas" in p),
                        key=lambda p: not os.path.basename(p).startswith("libopenblas"))
    for path in candidates:
        try:
            lib = ctypes.CDLL(path, mode=os.RTLD_NOLOAD | os.RTLD_GLOBAL)
            lib.openblas_get_config.restype = ctypes.c_char_p
            return {"library": path, "config": lib.openblas_get_config().decode(),
                    "threads": lib.openblas_get_num_threads()}
        except (OSError, AttributeError):
            continue  # not this one (e.g. liblapack.so.3 without the symbols)
    return None


def describe():
    """One line for reports: the OpenBLAS build and threads, or else the BLAS libraries mapped."""
    info = openblas_info()
    if info is not None:
        return f"{info['config']} ({info['library']}, {info['threads']} threads)"
    libs = [p for p in mapped_libraries() if re.search(r"blas|mkl|blis", os.path.basename(p), re.IGNORECASE)]
    if not libs:
        return "no BLAS library mapped"
    reference = any("/blas/" in p for p in libs)
    return ", ".join(libs) + (" (reference BLAS: single-threaded, slow)" if reference else "")
