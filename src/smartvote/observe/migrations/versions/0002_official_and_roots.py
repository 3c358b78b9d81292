"""Official figures per station, the append-only log of receipts and the published roots.

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
    for table in ("roots", "leaves", "official"):
        op.drop_table(table)
