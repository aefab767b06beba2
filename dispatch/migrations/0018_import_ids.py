from django.db import migrations, models


class Migration(migrations.Migration):
    """The keys and text a utility's own files bring (dispatch.imports): a crew's code, and a
    customer's address as the billing system holds it."""

    dependencies = [("dispatch", "0017_case_types")]

    operations = [
        migrations.AddField(
            model_name="crew",
            name="code",
            field=models.CharField(blank=True, max_length=32, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="customer",
            name="address",
            field=models.CharField(blank=True, db_default="", default="", max_length=300),
        ),
    ]
