"""The incident model: stages, metadata, configuration, goals and how they are judged."""
