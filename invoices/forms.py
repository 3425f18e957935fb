"""Forms for invoices: the invoice with its line items, marking it paid."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.limits import validate_date_in_range
from crm.pickers import PickerFormMixin, RecordChoiceField
from crm.record_forms import DATE_INPUT, RecordVersionFormMixin
from invoices.models import (
    STATUS_REASONS_BY_STATE,
    Invoice,
    InvoiceLine,
    InvoiceState,
    InvoiceStatusReason,
    compute_line,
    compute_totals,
    validate_totals,
)
from invoices.services import LINE_FIELDS

# How many empty line forms a new invoice offers, and how many "Add line" adds.
EXTRA_LINES = 3
MAX_LINES = 200


class InvoiceForm(RecordVersionFormMixin, PickerFormMixin, forms.ModelForm):
    """The invoice's header fields; its totals come from the lines."""

    sections = (
        (_("Invoice information"), ("invoice_number", "name", "account", "contact", "opportunity")),
        (_("Dates and status"), ("invoice_date", "due_date", "currency", "status_reason")),
        (_("Details"), ("description",)),
    )

    class Meta:
        model = Invoice
        fields = [
            "invoice_number",
            "name",
            "account",
            "contact",
            "opportunity",
            "invoice_date",
            "due_date",
            "currency",
            "status_reason",
            "description",
        ]
        labels = {
            "invoice_number": _("Invoice number"),
            "name": _("Name"),
            "account": _("Account"),
            "contact": _("Contact"),
            "opportunity": _("Opportunity"),
            "invoice_date": _("Invoice date"),
            "due_date": _("Due date"),
            "currency": _("Currency"),
            "status_reason": _("Status reason"),
            "description": _("Description"),
        }
        field_classes = {"account": RecordChoiceField, "contact": RecordChoiceField, "opportunity": RecordChoiceField}
        widgets = {
            "invoice_date": DATE_INPUT,
            "due_date": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new invoice may leave the number empty to have one generated; an existing one keeps a number.
        self.fields["invoice_number"].required = self.instance.pk is not None
        if self.instance.pk is None:
            self.fields["invoice_number"].help_text = _("Leave empty to have a number generated.")
        self.fields["status_reason"].choices = [
            (value, label)
            for value, label in InvoiceStatusReason.choices
            if value in STATUS_REASONS_BY_STATE[InvoiceState.ACTIVE]
        ]

    def clean_invoice_number(self):
        return self.cleaned_data["invoice_number"].strip()

    def clean(self):
        cleaned = super().clean()
        opportunity = cleaned.get("opportunity")
        if not cleaned.get("account") and not cleaned.get("contact"):
            if opportunity is not None:
                # The invoice bills the opportunity's customer, as invoice_create does.
                cleaned["account"], cleaned["contact"] = opportunity.account, opportunity.contact
            elif not self.has_error("account"):
                self.add_error(
                    "account", ValidationError(_("Choose an account, a contact or an opportunity."), code="no_customer")
                )
        return cleaned

    def _get_validation_exclusions(self):
        exclusions = super()._get_validation_exclusions()
        if self.instance.pk is None and not self.cleaned_data.get("invoice_number"):
            # Left empty, the service generates the number.
            exclusions.add("invoice_number")
        return exclusions


class InvoiceLineForm(forms.ModelForm):
    """One line item: what, how many, at what price, less a discount, plus tax."""

    class Meta:
        model = InvoiceLine
        fields = list(LINE_FIELDS)
        labels = {
            "description": _("Description"),
            "quantity": _("Quantity"),
            "unit_price": _("Unit price"),
            "discount": _("Discount"),
            "tax_rate": _("Tax rate"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Checked here as well as on the model, so that a bad amount is refused before the
        # line's cross-field rule (discount within the line amount) is tried with it.
        for name in ("quantity", "unit_price", "discount", "tax_rate"):
            self.fields[name].min_value = 0
            self.fields[name].validators.append(MinValueValidator(0))
            self.fields[name].widget.attrs["min"] = "0"


class BaseLineFormSet(forms.BaseFormSet):
    """The invoice's lines; at least one is required."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        lines = self.cleaned_lines()
        if not lines:
            raise ValidationError(_("Add at least one line item."), code="no_lines")
        # Each line fits (InvoiceLine.clean); their sums may not. As invoice_create will compute them.
        validate_totals(compute_totals(_line_amounts(line) for line in lines))

    def kept_forms(self):
        """The line forms that make lines: the existing ones and the filled-in new ones, less the removed."""
        return [
            form
            for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed())
            and not (form.cleaned_data.get("DELETE") if hasattr(form, "cleaned_data") else False)
        ]

    def cleaned_lines(self):
        """The kept lines as dicts, in order, for invoice_create and invoice_update."""
        return [{name: form.cleaned_data[name] for name in LINE_FIELDS} for form in self.kept_forms()]


def _line_amounts(line):
    base, tax, _total = compute_line(
        quantity=line["quantity"], unit_price=line["unit_price"], discount=line["discount"], tax_rate=line["tax_rate"]
    )
    return base, line["discount"], tax


def _line_formset_class(extra):
    # absolute_max: a posted TOTAL_FORMS past MAX_LINES builds no more forms (Django's default allows 1,000 more).
    return forms.formset_factory(
        InvoiceLineForm,
        formset=BaseLineFormSet,
        extra=extra,
        can_delete=True,
        max_num=MAX_LINES,
        validate_max=True,
        absolute_max=MAX_LINES,
    )


# A new invoice offers a few empty lines; an existing one its lines and one empty line.
NewLineFormSet = _line_formset_class(EXTRA_LINES)
EditLineFormSet = _line_formset_class(1)


def line_formset(data=None, *, initial=None, add_line=False):
    """The invoice's line formset; with ``add_line``, one more empty line than was posted."""
    if data is not None and add_line:
        data = data.copy()
        total = data.get("lines-TOTAL_FORMS", "")
        if total.isascii() and total.isdigit() and int(total) < MAX_LINES:
            data["lines-TOTAL_FORMS"] = str(int(total) + 1)
    formset_class = EditLineFormSet if initial else NewLineFormSet
    return formset_class(data, initial=initial, prefix="lines")


class MarkPaidForm(forms.Form):
    """Mark an invoice paid: when, and whether in full or in part."""

    paid_date = forms.DateField(
        label=_("Paid on"), widget=DATE_INPUT, initial=timezone.localdate, validators=[validate_date_in_range]
    )
    partial = forms.BooleanField(label=_("Partially paid"), required=False)
