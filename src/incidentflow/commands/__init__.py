"""One module per command: Click parses options, then calls plain core functions."""
