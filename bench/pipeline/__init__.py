"""The pipeline benchmark: the catalog's components against a seed pipeline, run by gitlab-ci-local."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The end-to-end tests' helpers (rendering, fixture projects, job tools) are reused as they are.
sys.path.insert(0, str(ROOT / "tests"))
