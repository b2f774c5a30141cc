"""What all of trust and safety shares and changes: the moderation log and the staff roles."""
