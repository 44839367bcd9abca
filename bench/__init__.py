"""Benchmarks: ``make bench`` (``python -m bench``) runs every module listed in
`bench.__main__.BENCHMARKS` and prints one line per measurement, with the
baseline measured in the same run and how many times better we are."""
