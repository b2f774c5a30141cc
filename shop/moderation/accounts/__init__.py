"""Account actions (warnings, suspensions, bans) and appeals against them and against take-downs."""
