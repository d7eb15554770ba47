"""The migration's index serves "a book's reviews, newest first" without a sort."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def test_the_reviews_of_a_book_newest_first_use_the_composite_index(
    db_session: AsyncSession, empty_catalogue: None
) -> None:
    await db_session.execute(
        text(
            "INSERT INTO reviews.books (title, author, review_count, rating_sum) "
            "SELECT 'Book ' || n, 'Author', 0, 0 FROM generate_series(1, 200) AS n"
        )
    )
    await db_session.execute(
        text(
            "INSERT INTO reviews.reviews (book_id, user_id, username, rating) "
            "SELECT b.id, gen_random_uuid(), 'reader', 1 + (n % 5) "
            "FROM reviews.books b, generate_series(1, 50) AS n"
        )
    )
    await db_session.execute(text("ANALYZE reviews.books, reviews.reviews"))
    book_id = (await db_session.execute(text("SELECT min(id) FROM reviews.books"))).scalar()
    plan = "\n".join(
        row[0]
        for row in await db_session.execute(
            text(
                "EXPLAIN SELECT * FROM reviews.reviews WHERE book_id = :book "
                "AND id < :before ORDER BY id DESC LIMIT 21"
            ),
            {"book": book_id, "before": 2**62},
        )
    )
    assert "ix_reviews_book_id_id_desc" in plan, plan
    assert "Sort" not in plan, plan
