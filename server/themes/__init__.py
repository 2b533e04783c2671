"""Theme suggestions for facilitators: grouping contributions by shared words."""
