"""A GitLab instance's CI/CD Catalog and CI Lint, asked over its APIs."""
