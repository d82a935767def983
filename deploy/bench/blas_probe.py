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
import sysconfig

_BLAS_NAME = re.compile(r"openblas|libblas|liblapack|mkl|blis|dnnl|gomp", re.IGNORECASE)  # pip wheels: libscipy_openblas64_…


# Debian's OpenBLAS builds, each a directory holding libblas.so.3 and liblapack.so.3 (see install-peer.sh).
_LIBDIR = "/usr/lib/" + (sysconfig.get_config_var("MULTIARCH") or "x86_64-linux-gnu")
OPENBLAS_BUILDS = {
    "system": None,  # whatever the libblas.so.3 alternative points at (install-peer.sh: pthread)
    "pthread": _LIBDIR + "/openblas-pthread",  # its own thread pool, as ND4J's bundled OpenBLAS
    "openmp": _LIBDIR + "/openblas-openmp",  # shares libgomp's pool with torch's OpenMP loops
}


def pin_threads(threads, openblas="system"):
    """Sets the BLAS/OpenMP thread variables (and the OpenBLAS build) and re-executes this script once if they were
    not already set so.

    OpenBLAS and libgomp read the variables when they are loaded, so they must be in the environment before numpy or
    torch is imported; re-executing makes that true however this process was started. The build is chosen for this
    process only, by putting its directory first on LD_LIBRARY_PATH, not by changing the system's alternative.
    Call before importing numpy/torch.
    """
    wanted = {n: str(threads) for n in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    build_dir = OPENBLAS_BUILDS[openblas]
    if build_dir is not None:
        if not os.path.exists(os.path.join(build_dir, "libblas.so.3")):
            raise RuntimeError(f"OpenBLAS build {openblas!r} is not installed ({build_dir}); run install-peer.sh")
        rest = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d and d != build_dir]
        wanted["LD_LIBRARY_PATH"] = ":".join([build_dir] + rest)
    if all(os.environ.get(n) == v for n, v in wanted.items()):
        return
    if "numpy" in sys.modules or "torch" in sys.modules:
        raise RuntimeError("pin_threads must run before numpy or torch is imported")
    os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, **wanted))


def thread_env():
    """The environment variables that change how BLAS and OpenMP threads run, as set for this process.

    On a loaded machine they matter as much as the thread count: with libgomp's default (active) waiting, each of the
    many small parallel regions of a training step can stall for a scheduler time slice when a peer thread is
    descheduled, and OMP_WAIT_POLICY=PASSIVE changes a step's time by an order of magnitude there.
    """
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT",
             "OMP_PROC_BIND", "OMP_PLACES", "LD_LIBRARY_PATH")
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
