"""Books: the catalogue, its cached pages, and each book's rating summary."""
