"""`python -m backfill`: the same as the `backfill` console script."""

from backfill.cli.main import main

main()
