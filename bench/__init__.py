"""National-scale benchmark of the whole pipeline (`make bench`) and the generators it needs; not part of the tests."""
