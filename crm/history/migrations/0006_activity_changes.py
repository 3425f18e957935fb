"""Activities in the change history: their record type and the kinds of change Completed and Activity canceled.

The two checks are put back NOT VALID and then validated, so that the history, written by every save, is
not locked while its rows are checked."""

from django.conf import settings
from django.db import migrations, models

from crm.migration_operations import AddCheckConstraintNotValid


class Migration(migrations.Migration):
    atomic = False  # each check is added and validated in its own transaction

    dependencies = [
        ('accounts', '0005_covered_indexes'),
        ('contacts', '0004_covered_indexes'),
        ('history', '0005_covered_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='changeevent',
            name='change_kind_valid',
        ),
        migrations.RemoveConstraint(
            model_name='changeevent',
            name='change_record_type_valid',
        ),
        migrations.AlterField(
            model_name='changeevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Created'), ('updated', 'Updated'), ('deleted', 'Deleted'), ('deactivated', 'Deactivated'), ('activated', 'Activated'), ('owner_changed', 'Owner changed'), ('contact_attached', 'Contact attached'), ('contact_detached', 'Contact detached'), ('won', 'Closed as won'), ('lost', 'Closed as lost'), ('reopened', 'Reopened'), ('paid', 'Invoice paid'), ('canceled', 'Invoice canceled'), ('completed', 'Completed'), ('activity_canceled', 'Activity canceled')], max_length=20, verbose_name='kind of change'),
        ),
        migrations.AlterField(
            model_name='changeevent',
            name='record_type',
            field=models.CharField(choices=[('account', 'Account'), ('contact', 'Contact'), ('opportunity', 'Opportunity'), ('invoice', 'Invoice'), ('activity', 'Activity')], max_length=12, verbose_name='record type'),
        ),
        AddCheckConstraintNotValid(
            model_name='changeevent',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['created', 'updated', 'deleted', 'deactivated', 'activated', 'owner_changed', 'contact_attached', 'contact_detached', 'won', 'lost', 'reopened', 'paid', 'canceled', 'completed', 'activity_canceled'])), name='change_kind_valid'),
        ),
        AddCheckConstraintNotValid(
            model_name='changeevent',
            constraint=models.CheckConstraint(condition=models.Q(('record_type__in', ['account', 'contact', 'opportunity', 'invoice', 'activity'])), name='change_record_type_valid'),
        ),
    ]
