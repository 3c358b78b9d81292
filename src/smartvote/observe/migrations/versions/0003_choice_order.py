"""The choices' order on the ballot, as the frame gives it.

Choice ids are text ("1" ... "14" for the parties of a list ballot), so ordering by id put
"10" before "2": the observers' form then listed the lines in another order than the paper
protocol they copy. Choices stored before this revision keep no position and sort by id.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("choices") as batch:
        batch.add_column(sa.Column("position", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("choices") as batch:
        batch.drop_column("position")
