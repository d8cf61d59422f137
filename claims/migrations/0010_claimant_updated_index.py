"""An index of (claimant, updated_at, id) for a claimant's claims in the API's default
order, in place of the claimant foreign key's own index, which the three indexes that
begin with the claimant make useless. The field's state changes (db_index=False) and the
database only loses that index: a plain AlterField would drop and check again the
foreign key on every claim (and SQLite would copy the whole table)."""

import django.db.models.deletion
from django.db import migrations, models

FK_INDEX = "claims_claim_claimant_id_4f35e26a"


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0009_stored_record"),
        ("sources", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                fields=["claimant", "updated_at", "id"], name="claim_claimant_updated_idx"
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="claim",
                    name="claimant",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="claims_made",
                        to="claims.actor",
                        verbose_name="claimant",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{FK_INDEX}"',
                    reverse_sql=f'CREATE INDEX "{FK_INDEX}" ON "claims_claim" ("claimant_id")',
                ),
            ],
        ),
    ]
