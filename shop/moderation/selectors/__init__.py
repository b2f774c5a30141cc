"""What all of trust and safety shares and reads: the staff queue, the dashboard and the moderation log."""
