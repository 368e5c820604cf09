"""articles and enrichments

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("article_id", sa.String(64), primary_key=True),
        sa.Column("headline", sa.Text, nullable=False),
        sa.Column("story_code", sa.String(64), nullable=True),
        sa.Column("published_at", sa.DateTime, nullable=True),
        sa.Column("published_utc_offset_min", sa.Integer, nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("source_name", sa.Text, nullable=False),
        sa.Column("encoding", sa.String(32), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("source_entry_id", sa.String(32), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_articles_story_code", "articles", ["story_code"])
    op.create_index("ix_articles_published_at", "articles", ["published_at"])
    op.create_table(
        "enrichments",
        sa.Column("article_id", sa.String(64), sa.ForeignKey("articles.article_id"), primary_key=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("language_confidence", sa.Float, nullable=False),
        sa.Column("word_count", sa.Integer, nullable=False),
        sa.Column("sentence_count", sa.Integer, nullable=False),
        sa.Column("paragraph_count", sa.Integer, nullable=False),
        sa.Column("reading_time_s", sa.Integer, nullable=False),
        sa.Column("enricher_version", sa.String(32), nullable=False),
        sa.Column("source_entry_id", sa.String(32), nullable=False),
        sa.Column("enriched_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_enrichments_language", "enrichments", ["language"])


def downgrade() -> None:
    op.drop_table("enrichments")
    op.drop_table("articles")
