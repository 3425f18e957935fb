"""``field__one_of=values``: the ``__in`` lookup for many values of the field's own database type, cheaply.

Django's ``__in`` prepares each value through the field and compiles one
placeholder per value; for the thousand keys an import batch looks up at once
(account numbers, names, emails) that costs more than the query itself. Here
the values go to the database as they are: on PostgreSQL as one array
parameter (``= ANY(%s)``, the same index scan as ``IN``), elsewhere as one
placeholder each. The caller gives values already of the column's type
(text keys, whole-number ids); an empty list matches nothing, as ``__in`` does.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, Lookup


@Field.register_lookup
class OneOf(Lookup):
    lookup_name = "one_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return list(self.rhs)

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = self.rhs
        if not values:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", (*lhs_params, values)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", (*lhs_params, *values)
