"""`python -m tracker` runs the CLI."""

from tracker.cli import main

raise SystemExit(main())
