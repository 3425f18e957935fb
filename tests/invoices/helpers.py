"""Building the POST data of the invoice form with its line items."""


def invoice_post_data(*, lines, initial_forms=0, **fields):
    """The invoice form's fields plus a line formset holding ``lines`` (dicts of line fields)."""
    data = {
        "invoice_number": "",
        "name": "Abonament 2026",
        "invoice_date": "2026-01-15",
        "due_date": "2026-02-14",
        "currency": "RON",
        "status_reason": "new",
        "description": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(initial_forms),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
    }
    data.update({key: "" if value is None else value for key, value in fields.items()})
    for index, line in enumerate(lines):
        for name, value in line.items():
            data[f"lines-{index}-{name}"] = value
    return data


def line(description="Licență", quantity="1", unit_price="100.00", discount="0.00", tax_rate="21.00", **extra):
    return {
        "description": description,
        "quantity": quantity,
        "unit_price": unit_price,
        "discount": discount,
        "tax_rate": tax_rate,
        **extra,
    }
