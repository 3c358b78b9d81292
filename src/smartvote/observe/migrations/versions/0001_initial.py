"""The observer service's first schema: frame, tokens, submissions, photos, audit log, rate counters.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "elections",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("k", sa.Integer, nullable=False),
        sa.Column("rate_per_minute", sa.Integer, nullable=False),
        sa.Column("purge_after", sa.String(10)),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "contests",
        sa.Column("election", sa.String(200), sa.ForeignKey("elections.id"), primary_key=True),
        sa.Column("contest", sa.String(200), primary_key=True),
        sa.Column("form", sa.String(100), nullable=False),
    )
    op.create_table(
        "stations",
        sa.Column("election", sa.String(200), primary_key=True),
        sa.Column("contest", sa.String(200), primary_key=True),
        sa.Column("station", sa.String(200), primary_key=True),
        sa.Column("region", sa.Text, nullable=False),
        sa.Column("tik", sa.Text, nullable=False),
        sa.Column("number", sa.Integer),
        sa.Column("registered", sa.Integer),
    )
    op.create_table(
        "choices",
        sa.Column("election", sa.String(200), primary_key=True),
        sa.Column("contest", sa.String(200), primary_key=True),
        sa.Column("choice", sa.String(100), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("election", sa.String(200), sa.ForeignKey("elections.id"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("batch", sa.String(40), nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
    )
    op.create_index("tokens_batch", "tokens", ["batch"])
    op.create_table(
        "rate",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("window", sa.BigInteger, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("election", sa.String(200), nullable=False),
        sa.Column("contest", sa.String(200), nullable=False),
        sa.Column("station", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("supersedes", sa.String(36)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("receipt", sa.String(64), nullable=False),
        sa.Column("checks", sa.Text, nullable=False),
        sa.Column("hard_failed", sa.Boolean, nullable=False),
        sa.Column("received", sa.BigInteger, nullable=False),
    )
    op.create_index("submissions_station", "submissions", ["election", "contest", "station"])
    op.create_index("submissions_author", "submissions", ["election", "author"])
    op.create_table(
        "photos",
        sa.Column("submission", sa.String(36), sa.ForeignKey("submissions.id"), primary_key=True),
        sa.Column("n", sa.Integer, primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("file", sa.String(200), nullable=False),
        sa.Column("received", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("election", sa.String(200), nullable=False),
        sa.Column("entry", sa.Text, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("audit_election", "audit", ["election", "seq"])


def downgrade() -> None:
    for table in ("audit", "photos", "submissions", "rate", "tokens", "choices", "stations", "contests"):
        op.drop_table(table)
    op.drop_table("elections")
