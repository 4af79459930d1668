"""SimVLS passes the VLS conformance suite; a VLS that forgets the header rewrite fails it."""

from __future__ import annotations

import pytest

from smartmedia.devices.testing import VLS_RULES, NonConformance, check_vls
from smartmedia.sim import SimVLS

from .site import build_site


@pytest.mark.parametrize("rule", VLS_RULES, ids=str)
def test_sim_vls_keeps_rule(rule):
    rule.run(build_site)


def test_check_vls_in_one_call():
    check_vls(build_site)


def test_a_vls_that_copies_the_header_unchanged_is_caught(monkeypatch):
    from smartmedia.sim import _copy

    monkeypatch.setattr(_copy, "rewrite_header", lambda header, identity: bytes(header))
    with pytest.raises(NonConformance) as caught:
        check_vls(build_site, only=["vls.copy"])
    assert caught.value.rule == "vls.copy"
    assert "ID" in caught.value.reason


def test_a_vls_that_claims_a_digest_after_failing_is_caught():
    class Boastful(SimVLS):
        def poll(self, handle):
            return super().poll(handle)

        def wait(self, handles, timeout=None):
            import attrs

            from smartmedia.devices import CopyState

            return tuple(
                attrs.evolve(r, state=CopyState.COMPLETED, error=None, digest=0)
                if r.state is CopyState.FAILED
                else r
                for r in super().wait(handles, timeout)
            )

    def factory():
        site = build_site()
        site.__class__ = Boastful
        return site

    with pytest.raises(NonConformance) as caught:
        check_vls(factory, only=["vls.failure"])
    assert caught.value.rule == "vls.failure"
