"""Package discovery that pyproject.toml alone cannot express.

The top-level ``db/`` (migrations) and ``resources/`` folders stay at the top of the
repository (project rule) but ship inside the package as ``evidence_tracker._db`` and
``evidence_tracker._resources`` (``package-dir`` in pyproject.toml), read through
importlib.resources. ``[tool.setuptools.packages.find]`` cannot add such mapped packages to
the discovered ones, so the list is built here: the code packages found under
``evidence_tracker/``, plus every data package named in ``[tool.setuptools.package-data]``.
"""

import tomllib
from pathlib import Path

from setuptools import find_packages, setup

with (Path(__file__).parent / "pyproject.toml").open("rb") as f:
    DATA_PACKAGES = list(tomllib.load(f)["tool"]["setuptools"]["package-data"])

setup(packages=[*find_packages(include=["evidence_tracker*"]), *DATA_PACKAGES])
