"""The commands on PATH in the images jobs name, one file an image: data, written by
scripts/images/tool-lists and read by `ci_catalog.lint.imagetools`."""
