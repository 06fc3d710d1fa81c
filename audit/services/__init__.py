"""The one way into the audit trail, the sequencer that chains it, its verification and erasure.

``record`` is called inside the service's transaction, so the event commits or rolls back with the
change it describes. It takes no lock shared by anyone: it inserts the event (unchained), its personal
rows and a row in the sequencer's queue. After the commit the sequencer (``sequence``: a Celery task on
its own queue, kicked on commit and run by beat as a safety net; on SQLite a step right after the
commit) numbers the committed events in the order it finds them, in batches, and appends a ``ChainLink``
for each: the event's leaf hash, the previous link's hash and their hash (``audit.hashing``). Only the
sequencer takes the chain's advisory lock, one batch at a time.

``verify_chain`` checks every link against the one before it, every event against its leaf, and every
personal row against the commitment its event holds; events not chained yet are pending, not broken.
``audit_erase_person`` blanks what the trail says about one person; the chain still verifies.
"""

from audit.hashing import GENESIS, canonical_json
from audit.services.erasure import ERASED, ERASERS_GROUP, audit_erase_person
from audit.services.recording import Personal, personal, record, record_many
from audit.services.sequencing import (
    KICK_KEY,
    KICK_TIMEOUT,
    SEQUENCER_BATCH,
    SEQUENCER_LOCK_KEY,
    kick_sequencer,
    sequence,
)
from audit.services.verification import (
    PARALLEL_FROM,
    ChainBreak,
    Verification,
    check_linkage,
    verify_chain,
    verify_range,
)

__all__ = [
    "ERASED",
    "ERASERS_GROUP",
    "GENESIS",
    "KICK_KEY",
    "KICK_TIMEOUT",
    "PARALLEL_FROM",
    "SEQUENCER_BATCH",
    "SEQUENCER_LOCK_KEY",
    "ChainBreak",
    "Personal",
    "Verification",
    "audit_erase_person",
    "canonical_json",
    "check_linkage",
    "kick_sequencer",
    "personal",
    "record",
    "record_many",
    "sequence",
    "verify_chain",
    "verify_range",
]
