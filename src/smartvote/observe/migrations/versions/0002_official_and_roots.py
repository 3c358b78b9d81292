"""Official figures per station, voters' reports, the append-only log of receipts and the roots.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "official",
        sa.Column("election", sa.String(200), primary_key=True),
        sa.Column("contest", sa.String(200), primary_key=True),
        sa.Column("station", sa.String(200), primary_key=True),
        sa.Column("figure", sa.String(110), primary_key=True),
        sa.Column("value", sa.BigInteger),
    )
    op.create_table(
        "voter_reports",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("election", sa.String(200), nullable=False),
        sa.Column("contest", sa.String(200), nullable=False),
        sa.Column("station", sa.String(200), nullable=False),
        sa.Column("choice", sa.String(100), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("receipt", sa.String(64), nullable=False),
        sa.Column("received", sa.BigInteger, nullable=False),
    )
    op.create_index("voter_reports_author", "voter_reports", ["election", "author"], unique=True)
    op.create_table(
        "leaves",
        sa.Column("election", sa.String(200), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("receipt", sa.String(64), nullable=False),
    )
    op.create_index("leaves_receipt", "leaves", ["election", "receipt"], unique=True)
    op.create_table(
        "roots",
        sa.Column("election", sa.String(200), primary_key=True),
        sa.Column("size", sa.Integer, primary_key=True),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("previous", sa.Integer, nullable=False),
        sa.Column("consistency", sa.Text, nullable=False),
        sa.Column("audit_head", sa.String(64), nullable=False),
        sa.Column("published", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in ("roots", "leaves", "voter_reports", "official"):
        op.drop_table(table)
