"""`python -m loadpy ...` is the `loadpy` command."""

from loadpy.cli.main import command

command()
