"""What room messages and direct messages share: the input, the author, the history window."""
