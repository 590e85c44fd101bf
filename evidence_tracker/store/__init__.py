"""The project database: one SQLite file per project, reached only through this package.

All SQL lives here (a shared PostgreSQL backend is planned; nothing above this layer may
depend on SQLite specifics).
"""

from evidence_tracker.store.database import (
    DatabaseBusy,
    Project,
    SchemaTooNew,
    StoreError,
    latest_schema_version,
    open_project,
)

__all__ = [
    "DatabaseBusy",
    "Project",
    "SchemaTooNew",
    "StoreError",
    "latest_schema_version",
    "open_project",
]
