"""Seed data, report templates, fonts and the desktop entry; installed as package data of
``evidence_tracker._resources`` (see ``evidence_tracker.config.resources_dir``)."""
