"""Reviews of books: one per user per book, newest first, announced live."""
