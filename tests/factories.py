"""factory_boy factories for every CRM record and for users in each security role."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.models import Account
from contacts.models import Contact
from crm import roles
from crm.activities.models import Activity, ActivityKind
from invoices.models import Invoice, InvoiceLine
from opportunities.models import Opportunity


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-for-tests-1")



def in_role(group_name):
    """A post-generation hook that puts the new user in the security role ``group_name``."""

    def add_to_group(user, create, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get(name=extracted or group_name))

    return factory.PostGeneration(add_to_group)


class SalespersonFactory(UserFactory):
    role = in_role(roles.SALESPERSON)


class SalesManagerFactory(UserFactory):
    role = in_role(roles.SALES_MANAGER)


class AdministratorFactory(UserFactory):
    is_staff = True
    is_superuser = True
    role = in_role(roles.SYSTEM_ADMINISTRATOR)


class DerivedFieldsFactory(factory.django.DjangoModelFactory):
    """Sets the record's derived fields (its duplicate keys) before saving, as the services do."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        record = model_class(*args, **kwargs)
        record.set_derived_fields()
        record.save()
        return record


class AccountFactory(DerivedFieldsFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Compania {n} SRL")
    owner = factory.SubFactory(SalespersonFactory)
    city = "Cluj-Napoca"
    country = "România"


class ContactFactory(DerivedFieldsFactory):
    class Meta:
        model = Contact

    first_name = factory.Faker("first_name")
    last_name = factory.Sequence(lambda n: f"Popescu{n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.ro")
    owner = factory.SubFactory(SalespersonFactory)


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    topic = factory.Sequence(lambda n: f"Licențe software {n}")
    account = factory.SubFactory(AccountFactory)
    estimated_revenue = Decimal("10000.00")
    owner = factory.SubFactory(SalespersonFactory)


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    invoice_number = factory.Sequence(lambda n: f"F-{n:06d}")
    name = factory.Sequence(lambda n: f"Factura {n}")
    account = factory.SubFactory(AccountFactory)
    owner = factory.SubFactory(SalespersonFactory)


class InvoiceLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceLine

    invoice = factory.SubFactory(InvoiceFactory)
    description = "Abonament lunar"
    unit_price = Decimal("100.00")


class ActivityFactory(factory.django.DjangoModelFactory):
    """An open task about an account, unless told otherwise."""

    class Meta:
        model = Activity

    kind = ActivityKind.TASK
    subject = factory.Sequence(lambda n: f"Ofertă {n}")
    account = factory.SubFactory(AccountFactory)
    owner = factory.SubFactory(SalespersonFactory)
