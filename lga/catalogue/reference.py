"""The programmes under which LGA activities run, with their donors."""
from __future__ import annotations

from sqlalchemy import select

from lga.catalogue.models import Programme
from lga.extensions import db

NORWAY_PRISHTINA = {
    "sq": "Ambasada e Mbretërisë Norvegjeze në Prishtinë",
    "en": "Royal Norwegian Embassy in Prishtina",
    "sr": "Ambasada Kraljevine Norveške u Prištini",
}

PROGRAMMES: tuple[dict, ...] = (
    {
        "code": "LGA",
        "name": {"sq": "Akademia për Qeverisje Lokale", "en": "Local Governance Academy",
                 "sr": "Akademija za lokalnu upravu"},
        "donor": {"sq": "Instituti Kosovar për Qeverisje Lokale (KLGI)",
                  "en": "Kosovo Local Governance Institute (KLGI)",
                  "sr": "Kosovski institut za lokalnu upravu (KLGI)"},
        "description": {
            "sq": "Program i avancuar i trajnimit për konceptin modern të qeverisjes lokale, "
                  "përmes ligjëratave, diskutimeve, punës në grupe, shkëmbimit të informacionit "
                  "dhe vizitave studimore.",
            "en": "KLGI's advanced training programme on the modern concept of local governance, "
                  "delivered through lectures, discussions, group work, exchange of information "
                  "and study visits.",
        },
    },
    {
        "code": "DEM",
        "name": {"sq": "Dialogu për Komunat Evropiane", "en": "Dialogue for European Municipalities",
                 "sr": "Dijalog za evropske opštine"},
        "donor": NORWAY_PRISHTINA,
        "description": {
            "sq": "Program i mbështetur nga Ambasada e Mbretërisë Norvegjeze në Prishtinë.",
            "en": "A programme supported by the Royal Norwegian Embassy in Prishtina.",
        },
    },
    {
        "code": "SSSM",
        "name": {"sq": "Mbështetje të Komunave më të Forta dhe më të Qëndrueshme",
                 "en": "Support for Stronger and More Sustainable Municipalities",
                 "sr": "Podrška jačim i održivijim opštinama"},
        "donor": {"sq": "Ambasada e Mbretërisë Norvegjeze në Kosovë",
                  "en": "Royal Norwegian Embassy in Kosovo",
                  "sr": "Ambasada Kraljevine Norveške na Kosovu"},
        "description": {
            "sq": "Program i financuar nga Ambasada e Mbretërisë Norvegjeze në Kosovë; përfshin "
                  "komponentën për avancimin e politikave publike në nivelin lokal.",
            "en": "A programme funded by the Royal Norwegian Embassy in Kosovo; it includes a "
                  "component for advancing public policies at local level.",
        },
    },
)


def seed() -> int:
    have = set(db.session.scalars(select(Programme.code)))
    added = 0
    for position, spec in enumerate(PROGRAMMES):
        if spec["code"] not in have:
            db.session.add(Programme(position=position, is_active=True, **{k: dict(v) if isinstance(v, dict) else v
                                                                          for k, v in spec.items()}))
            added += 1
    return added
