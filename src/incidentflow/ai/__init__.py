"""Prompts for each stage, the repository context they carry, and drafts through llm."""
