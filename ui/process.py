"""The server process's settings: PyTorch's threads and glibc's memory arenas, set once."""

import ctypes
import os

import torch

# The app trains while the server and the browser draw on the same cores, and PyTorch's default
# of one busy-waiting thread per core fights them for the CPU. The library leaves PyTorch's
# settings to its caller; the app chooses its own: $GATVIZ_APP_THREADS threads (default 1;
# 0 keeps PyTorch's default). bench/app_latency.py measures both.
APP_THREADS = int(os.environ.get("GATVIZ_APP_THREADS", "1"))
if APP_THREADS > 0:
    torch.set_num_threads(APP_THREADS)


def _fewer_malloc_arenas(arenas: int = 2, mmap_from: int = 1 << 20) -> None:
    """Streamlit runs every rerun in a new thread, and glibc gives threads their own memory
    arenas (up to 8 per core), each keeping what was freed in it: the server's resident memory
    grows with reruns. Two arenas keep it near what is in use (bench/app_latency.py). Blocks of
    ``mmap_from`` bytes and more (a tensor of a quarter million floats) are mapped on their
    own and go back to the system when freed; by default glibc raises that threshold each
    time such a block is freed, up to 32 MB, after which big tensors stay in the heap when
    freed. Where the C library is not glibc, nothing changes."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-8, arenas)  # -8: M_ARENA_MAX
        libc.mallopt(-3, mmap_from)  # -3: M_MMAP_THRESHOLD (setting it keeps it fixed)
    except (OSError, AttributeError):
        pass


_fewer_malloc_arenas()
