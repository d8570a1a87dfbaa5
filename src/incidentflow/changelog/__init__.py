"""The changelog entry of a finished postmortem, and keeping the changelog in step."""
