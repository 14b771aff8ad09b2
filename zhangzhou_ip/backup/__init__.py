"""Backup and restore of the whole installation (issue 8 part 8, decision 0017).

``manage.py backup PATH`` writes one tar archive: ``manifest.json`` (first), the database as
Django JSON Lines (``db/data.jsonl``), the uploaded files (``blobs/media/…``) and the evidence
content (``blobs/evidence/sha256/ab/cd/<hash>``). ``manage.py restore PATH`` checks the archive
against its manifest before writing anything, loads it into a freshly migrated database,
copies the files and ends with the ledger audit.
"""
