"""The panels of each page: which calls a page makes and how their answers are drawn."""
