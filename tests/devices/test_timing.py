"""Timing profiles: the figures the simulators charge and a planner estimates with."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartmedia import ValidationError
from smartmedia.devices import LIBRARY_MODELS, DriveTiming, RobotTiming, VlsTiming
from smartmedia.model import MediaType

GB = 10**9


def test_native_rate_and_min_rate_follow_the_generation():
    t = DriveTiming.for_generation(MediaType.LTO9)
    assert t.rate == 400 * 10**6
    assert t.min_rate == MediaType.LTO9.min_streaming_rate
    assert t.streaming_seconds(400 * 10**6) == pytest.approx(1.0)


def test_fast_feed_is_capped_by_the_drive_and_matched_feed_is_followed():
    t = DriveTiming.for_generation(MediaType.LTO8)
    assert t.streaming_seconds(36 * GB, feed_rate=10 * GB) == pytest.approx(100.0)
    assert t.streaming_seconds(20 * GB, feed_rate=200 * 10**6) == pytest.approx(100.0)


def test_starved_drive_shoe_shines():
    t = DriveTiming.for_generation(MediaType.LTO9)
    slow = 100 * 10**6  # below 400/3 MB/s
    plain = 10 * GB / slow
    starved = t.streaming_seconds(10 * GB, feed_rate=slow)
    assert starved > plain
    assert starved == pytest.approx(plain + (10 * GB / t.buffer_bytes) * t.backhitch_seconds)
    assert t.effective_rate(slow) < slow


def test_locate_and_rewind_grow_with_distance():
    t = DriveTiming.for_generation(MediaType.LTO9)
    cap = MediaType.LTO9.native_capacity
    assert t.locate_time(5, 5, cap) == 0
    near = t.locate_time(0, cap // 10, cap)
    far = t.locate_time(0, cap, cap)
    assert t.locate_seconds < near < far == pytest.approx(t.locate_seconds + t.full_wind_seconds)
    assert t.rewind_time(cap, cap) == pytest.approx(100.0)
    assert t.rewind_time(0, cap) == 0


def test_virtual_drives_are_quick():
    t = DriveTiming.for_generation(MediaType.VIRTUAL)
    assert t.load_seconds < 5
    assert t.streaming_seconds(GB, feed_rate=1) == pytest.approx(GB)  # never shoe-shines


def test_overrides_and_bad_figures():
    assert DriveTiming.for_generation(MediaType.LTO7, load_seconds=12.0).load_seconds == 12.0
    with pytest.raises(ValidationError, match="load_seconds"):
        DriveTiming.for_generation(MediaType.LTO7, load_seconds=-1.0)
    with pytest.raises(ValidationError, match="min_rate"):
        DriveTiming(rate=10, min_rate=20)
    with pytest.raises(ValidationError, match="jitter"):
        RobotTiming(jitter=1.5)
    with pytest.raises(ValidationError, match="stream_rate"):
        VlsTiming(stream_rate=0)


def test_library_models_cover_the_published_move_times():
    for model in LIBRARY_MODELS.values():
        assert model.move_seconds <= 15


@given(st.integers(1, 10**13), st.integers(1, 10**9))
def test_streaming_time_is_never_faster_than_native(nbytes, feed):
    t = DriveTiming.for_generation(MediaType.LTO6)
    assert t.streaming_seconds(nbytes, feed) >= nbytes / t.rate * (1 - 1e-12)
