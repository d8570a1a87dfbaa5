"""An incident's timeline: timeline.md entries, and the timeline assembled from every
source."""
