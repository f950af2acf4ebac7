"""Record a consent given or withdrawn, with its date and source (forms/consent_edit.ui)."""

import uuid
from datetime import date

from PySide6.QtWidgets import QWidget

from salesdesk.domain.customer import ConsentChannel
from salesdesk.domain.errors import FieldError, ValidationFailed
from salesdesk.i18n import _
from salesdesk.services.customers import get_customer, live, record_consent, record_name
from salesdesk.store.engine import Store
from salesdesk.store.models import ContactPerson
from salesdesk.ui.dialogs.form_dialog import FormDialog
from salesdesk.ui.forms import fill_combo

GIVEN, WITHDRAWN = "given", "withdrawn"


class ConsentDialog(FormDialog):
    """A new consent record; history is kept, so there is nothing to edit afterwards."""

    FORM = "consent_edit.ui"
    FIELDS = ("channel", "granted", "recorded_on", "source", "contact_id")
    REQUIRED = ("channel", "source")

    def __init__(self, store: Store, customer_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(parent)
        self.store, self.customer_id = store, customer_id
        self.saved_id: uuid.UUID | None = None
        with store.session() as session:
            customer = get_customer(session, customer_id)
            self._record = record_name(customer)
            contacts = [(c.full_name, str(c.id)) for c in live(customer.contacts)]
        fill_combo(self.field("channel"), [(c.label, c.value) for c in ConsentChannel])
        fill_combo(self.field("granted"), [(self.tr("Consent given"), GIVEN),
                                           (self.tr("Consent withdrawn"), WITHDRAWN)])
        fill_combo(self.field("contact_id"), contacts, empty=self.tr("(none)"))
        self.field("contact_id").setEnabled(bool(contacts))
        self.setWindowTitle(self.tr("Record consent – {file}").format(file=self._record))
        self.set_values({"channel": ConsentChannel.EMAIL.value, "granted": GIVEN,
                         "recorded_on": date.today()})
        self.field("source").setFocus()

    def check(self, values: dict) -> None:  # override
        errors = []
        if not values["source"]:
            errors.append(FieldError(self._record, _("Source"), _("is required"), key="source"))
        if values["recorded_on"] > date.today():
            errors.append(FieldError(self._record, self.tr("Date"),
                                     self.tr("must not be in the future"), key="recorded_on"))
        if errors:
            raise ValidationFailed(errors)

    def persist(self, values: dict) -> bool:  # override
        with self.store.session() as session:
            customer = get_customer(session, self.customer_id)
            contact = (session.get(ContactPerson, uuid.UUID(values["contact_id"]))
                       if values["contact_id"] else None)
            try:
                consent = record_consent(session, customer, values["channel"],
                                         values["granted"] == GIVEN, values["recorded_on"],
                                         values["source"], contact)
            except ValidationFailed as exc:
                raise _keyed(exc) from exc
            session.commit()
            self.saved_id = consent.id
        return True


def _keyed(exc: ValidationFailed) -> ValidationFailed:
    """The service names fields by label; the form shows errors by field name."""
    keys = {_("Source"): "source", _("Channel"): "channel"}
    return ValidationFailed([FieldError(e.record, e.field, e.message, e.key or
                                        keys.get(e.field, "")) for e in exc.errors])
