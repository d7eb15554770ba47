"""Chat rooms and the messages posted in them."""
