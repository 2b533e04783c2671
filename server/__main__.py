"""`python -m server` runs the `dialoog` command."""

from server.cli import main

main()
