from django.db import migrations

# Metre-radius searches cast to geography (gis.expressions.ids_within_metres); these
# expression indexes keep them indexed.
INDEXES = """
CREATE INDEX incident_point_geography ON dispatch_incident USING gist ((point::geography));
CREATE INDEX landmark_geom_geography ON network_landmark USING gist ((geom::geography));
"""
DROP = "DROP INDEX incident_point_geography; DROP INDEX landmark_geom_geography;"


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0004_timeline_append_only_and_rules"), ("network", "0003_valve_seized_index")]

    operations = [migrations.RunSQL(INDEXES, DROP)]
