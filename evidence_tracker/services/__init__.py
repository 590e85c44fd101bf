"""Use cases, one function per verb: what both the CLI and the GUI call."""
