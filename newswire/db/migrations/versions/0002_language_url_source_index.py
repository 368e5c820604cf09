"""articles: declared language, url; index on source_name

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))
        batch.add_column(sa.Column("url", sa.Text, nullable=True))
    op.create_index("ix_articles_language", "articles", ["language"])
    op.create_index("ix_articles_source_name", "articles", ["source_name"])


def downgrade() -> None:
    op.drop_index("ix_articles_source_name", "articles")
    op.drop_index("ix_articles_language", "articles")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("url")
        batch.drop_column("language")
