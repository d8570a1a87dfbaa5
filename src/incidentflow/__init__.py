"""incidentflow: work a production incident in the right order, in git."""

__version__ = "0.1.0"
