"""A minimal django-oscar shop for bench/oscar.py: oscar's documented settings, nothing of Soko."""
