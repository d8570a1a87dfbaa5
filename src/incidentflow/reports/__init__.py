"""What readers outside the room see: reports, pull-request bodies, the index, statistics,
action items."""
