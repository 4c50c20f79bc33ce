"""`python -m benchmarks`: every benchmark; see `python -m benchmarks --help`."""

from benchmarks.run import cli

raise SystemExit(cli())
