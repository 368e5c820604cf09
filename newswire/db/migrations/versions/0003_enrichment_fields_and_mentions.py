"""enrichments: tone, near duplicate, full enrichment (JSON), MinHash; entity_mentions; country_mentions

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enrichments") as batch:
        batch.add_column(sa.Column("tone", sa.Float, nullable=True))
        batch.add_column(sa.Column("near_duplicate_of", sa.String(64), nullable=True))
        batch.add_column(sa.Column("near_duplicate_similarity", sa.Float, nullable=True))
        batch.add_column(sa.Column("data", sa.JSON, nullable=True))
        batch.add_column(sa.Column("minhash", sa.LargeBinary, nullable=True))
    op.create_index("ix_enrichments_near_duplicate_of", "enrichments", ["near_duplicate_of"])
    op.create_table(
        "entity_mentions",
        sa.Column("article_id", sa.String(64), sa.ForeignKey("articles.article_id"), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("surname", sa.String(100), nullable=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_index("ix_entity_mentions_name_key", "entity_mentions", ["name_key", "kind"])
    op.create_index("ix_entity_mentions_surname", "entity_mentions", ["surname"])
    op.create_table(
        "country_mentions",
        sa.Column("article_id", sa.String(64), sa.ForeignKey("articles.article_id"), primary_key=True),
        sa.Column("country_code", sa.String(2), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_index("ix_country_mentions_code", "country_mentions", ["country_code", "article_id"])


def downgrade() -> None:
    op.drop_table("country_mentions")
    op.drop_table("entity_mentions")
    op.drop_index("ix_enrichments_near_duplicate_of", "enrichments")
    with op.batch_alter_table("enrichments") as batch:
        batch.drop_column("minhash")
        batch.drop_column("data")
        batch.drop_column("near_duplicate_similarity")
        batch.drop_column("near_duplicate_of")
        batch.drop_column("tone")
