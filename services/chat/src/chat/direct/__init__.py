"""Direct messages: each user's inbox."""
