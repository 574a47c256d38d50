"""placeholder, replaced at merge

The quota-budget migration is written on another branch; this no-op keeps the pool branch's chain
(0004 -> 0005 -> 0006) whole until the two branches meet.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
