"""What the map wall's delta feed reads: the transaction that last changed each live row.

A trigger stamps `map_xid` (the writing transaction's id) on every insert and update of the
rows a wall shows. A wall asks for rows stamped at or after its cursor; the cursor it gets
back is the oldest transaction still running when the feed read (pg_snapshot_xmin): every
transaction before it has finished, so nothing committed later can carry an older stamp.
Rows of transactions that finished after the cursor are sent again next time, which a map
that replaces features by id does not mind. The models do not declare the column: only the
feed's SQL reads it, and the trigger sets it whatever the writer sends.

These stamps are now made by the migrations of the apps that own the tables (dispatch 0008,
from which the vans' table went to the fleet): this migration stays, empty, because a
database migrated before has it applied and later migrations depend on it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0008_incident_isolation")]

    operations: list = []
