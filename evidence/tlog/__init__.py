"""Pure transparency-log code for the 益企证 evidence ledger.

RFC 9162 Merkle trees (:mod:`.merkle`), C2SP signed notes and checkpoints (:mod:`.note`),
C2SP ``tlog-proof`` receipts (:mod:`.proof`) and the leaf encoding (:mod:`.leaf`).

This package is deliberately Django-free: it imports only the standard library and
``cryptography``, so the offline verifier (``python -m evidence.verify``) can run on a
court's or a party's machine without the web application or its settings.
"""
