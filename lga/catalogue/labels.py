"""Translated labels for the catalogue's fixed vocabularies."""
from flask_babel import lazy_gettext as _l

FORMAT_LABELS = {
    "lecture": _l("Lecture"),
    "discussion": _l("Discussion"),
    "group_work": _l("Group work"),
    "information_exchange": _l("Information exchange"),
    "study_visit": _l("Study visit"),
}

MODE_LABELS = {
    "in_person": _l("In person"),
    "virtual": _l("Online"),
    "hybrid": _l("Hybrid"),
}
