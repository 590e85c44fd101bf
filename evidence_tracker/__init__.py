"""Evidence Tracker: audit ketamine clinics' chronic-pain claims against PubMed."""

__version__ = "0.1.0"
APP_NAME = "Evidence Tracker"
APP_ID = "evidence-tracker"
