"""Switchboard reviews service: books, reviews, a read-through cache, live reviews."""
