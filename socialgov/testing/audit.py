"""The audit chain in tests: chain what is committed, as the sequencer would, then verify it all."""

from audit.services import Verification, sequence, verify_chain


def assert_chain_intact(*, workers: int = 1) -> Verification:
    sequence()
    result = verify_chain(workers=workers)
    assert result.broken is None and result.pending == 0, result
    return result
