"""What keeps `list` and `check --all` fast at thousands of incidents: the result cache
(`evalcache`) and forked worker processes (`parallel`)."""
