"""Everything incidentflow asks of git, and the snapshots of files it reads through it."""
