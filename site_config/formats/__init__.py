"""Date and time formats for the languages whose Django formats do not fit Soko's shoppers.

Django dates English the American way (11/25/2026, "4 p.m.") and has no formats at all for
Swahili and Urdu, which then fall back to the same. In Kenya, Pakistan and Guinea a date is
day, month, year, and the clock runs to 24 hours: ``day_first`` holds those, and each
language's module takes them. French keeps Django's own formats, which already read so.
Django reads a language's module here first and its own after, name by name.
"""
