"""The harness benchmark: `ci-catalog check`, per-document render and validation, and scaling."""
