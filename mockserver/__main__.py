"""`python -m mockserver`."""

from .cli import main

main()
