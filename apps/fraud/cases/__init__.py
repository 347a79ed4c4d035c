"""Case management: alerts gather into cases that a team works from its queue."""
