"""Deep recursion in one reserved chunk of CPython's frame stack (rcs_pipeline/frame_stack.py)."""

import resource

import pytest

from rcs_pipeline.frame_stack import reserved_frame_stack


def _down(depth: int) -> int:
    """Recurse `depth` frames and come back up: the depth a layout engine rises and falls by."""
    return 0 if depth == 0 else _down(depth - 1) + 1


def _dives(times: int = 300, depth: int = 600) -> int:
    """Go `depth` frames down and back `times` times; the sum proves every dive came back."""
    return sum(_down(depth) for _ in range(times))


def _minor_faults(call) -> tuple[object, int]:
    """What `call()` returns and the page faults this process took meanwhile."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    result = call()
    return result, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_deep_dives_map_no_new_stack_memory_each_time():
    """300 dives of 600 frames each cross frame-stack chunk boundaries: plainly, each crossing maps a fresh
    chunk (page faults every dive); in a reserved chunk the frames reuse the same pages."""
    _dives(3), reserved_frame_stack(_dives)(3)  # warm up both paths (code objects, first pages)
    plain, plain_faults = _minor_faults(_dives)
    reserved, reserved_faults = _minor_faults(reserved_frame_stack(_dives))
    assert plain == reserved == 300 * 600
    assert plain_faults > 300  # at least one fresh page per dive
    assert reserved_faults < plain_faults / 10


def test_the_decorated_function_is_the_same_function():
    """Arguments, keywords, return value, exceptions and name pass through unchanged."""

    @reserved_frame_stack
    def scaled(value: int, *, factor: int = 2) -> int:
        """Multiply, refusing negatives."""
        if value < 0:
            raise ValueError("negative")
        return value * factor

    assert scaled(4) == 8 and scaled(4, factor=3) == 12
    assert scaled.__name__ == "scaled" and scaled.__doc__ == "Multiply, refusing negatives."
    with pytest.raises(ValueError, match="negative"):
        scaled(-1)
