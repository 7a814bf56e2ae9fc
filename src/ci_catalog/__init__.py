"""ci-catalog: render, validate and lint GitLab CI/CD components exactly as GitLab does."""

__version__ = "0.1.0"
