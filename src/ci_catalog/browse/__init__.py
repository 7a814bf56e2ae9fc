"""Browsing a catalog: the component views behind `list` and `show`, Markdown pages and the static site."""
