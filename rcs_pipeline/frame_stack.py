"""Deep recursion inside one chunk of CPython's frame stack (docs/benchmarks.md, "The frame stack").

CPython 3.11 keeps the frames of running Python functions on a per-thread stack allocated in 16 KiB chunks.
A frame that does not fit in the current chunk gets a new one (an `mmap`), and that chunk is unmapped as
soon as the frame at its base returns. WeasyPrint lays a document out by deep recursion whose depth rises
and falls across chunk boundaries thousands of times a page, so about 8% of WeasyPrint's CPU went to
mapping, faulting in and unmapping the same few pages (`perf`: `_PyThreadState_BumpFramePointerSlow`,
`munmap`, page faults).

`reserved_frame_stack` calls a function from a frame whose code asks for a large value stack. CPython gives
that frame a chunk of its own, rounded up to a power of two, and every frame the function pushes fits in the
rest of it: one mapping per call instead of thousands. The reserved slots are never read or written, so
nothing the function computes changes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

RESERVED_SLOTS = 1 << 16
"""Value-stack slots reserved (512 KiB): CPython then maps a 1 MiB chunk, leaving about 480 KiB for the
frames of the call (thousands of frames; deeper recursion still works, in further chunks)."""

P = ParamSpec("P")
R = TypeVar("R")


def _call(function: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> Any:
    """Call `function`; its frame is the large one (its code is given RESERVED_SLOTS more stack below)."""
    return function(*args, **kwargs)


_call.__code__ = _call.__code__.replace(co_stacksize=_call.__code__.co_stacksize + RESERVED_SLOTS)


def reserved_frame_stack(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate `function` so each call runs in a frame-stack chunk of its own (see the module docstring)."""

    @functools.wraps(function)
    def in_reserved_chunk(*args: P.args, **kwargs: P.kwargs) -> R:
        return _call(function, args, kwargs)

    return in_reserved_chunk
