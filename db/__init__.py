"""Numbered, append-only SQL migrations; installed as package data of ``evidence_tracker._db``
(see ``evidence_tracker.config.migrations_dir``)."""
