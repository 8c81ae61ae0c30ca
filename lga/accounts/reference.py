"""Reference data shipped with the platform: municipalities and institution types.

``seed`` inserts what is missing and never overwrites what an administrator has edited.
"""
from __future__ import annotations

import unicodedata

from sqlalchemy import select

from lga.accounts.models import InstitutionType, Municipality
from lga.extensions import db

# (code, Albanian name, Serbian name)
MUNICIPALITIES: tuple[tuple[str, str, str], ...] = (
    ("decan", "Deçan", "Dečane"),
    ("dragash", "Dragash", "Dragaš"),
    ("ferizaj", "Ferizaj", "Uroševac"),
    ("fushe-kosove", "Fushë Kosovë", "Kosovo Polje"),
    ("gjakove", "Gjakovë", "Đakovica"),
    ("gjilan", "Gjilan", "Gnjilane"),
    ("gllogoc", "Gllogoc (Drenas)", "Glogovac"),
    ("gracanice", "Graçanicë", "Gračanica"),
    ("hani-i-elezit", "Hani i Elezit", "Elez Han"),
    ("istog", "Istog", "Istok"),
    ("junik", "Junik", "Junik"),
    ("kamenice", "Kamenicë", "Kamenica"),
    ("kacanik", "Kaçanik", "Kačanik"),
    ("kline", "Klinë", "Klina"),
    ("kllokot", "Kllokot", "Klokot"),
    ("leposaviq", "Leposaviq", "Leposavić"),
    ("lipjan", "Lipjan", "Lipljan"),
    ("malisheve", "Malishevë", "Mališevo"),
    ("mamushe", "Mamushë", "Mamuša"),
    ("mitrovice-e-jugut", "Mitrovicë e Jugut", "Južna Mitrovica"),
    ("mitrovice-e-veriut", "Mitrovicë e Veriut", "Severna Mitrovica"),
    ("novoberde", "Novobërdë", "Novo Brdo"),
    ("obiliq", "Obiliq", "Obilić"),
    ("partesh", "Partesh", "Parteš"),
    ("peje", "Pejë", "Peć"),
    ("podujeve", "Podujevë", "Podujevo"),
    ("prishtine", "Prishtinë", "Priština"),
    ("prizren", "Prizren", "Prizren"),
    ("rahovec", "Rahovec", "Orahovac"),
    ("ranillug", "Ranillug", "Ranilug"),
    ("shterpce", "Shtërpcë", "Štrpce"),
    ("shtime", "Shtime", "Štimlje"),
    ("skenderaj", "Skenderaj", "Srbica"),
    ("suhareke", "Suharekë", "Suva Reka"),
    ("viti", "Viti", "Vitina"),
    ("vushtrri", "Vushtrri", "Vučitrn"),
    ("zubin-potok", "Zubin Potok", "Zubin Potok"),
    ("zvecan", "Zveçan", "Zvečan"),
)

# (code, {language: name})
INSTITUTION_TYPES: tuple[tuple[str, dict[str, str]], ...] = (
    ("dshms", {"sq": "Drejtoria për Shëndetësi dhe Mirëqenie Sociale (DSHMS)",
               "en": "Directorate for Health and Social Welfare (DSHMS)",
               "sr": "Direkcija za zdravstvo i socijalnu zaštitu (DSHMS)"}),
    ("qps", {"sq": "Qendra për Punë Sociale (QPS)",
             "en": "Centre for Social Work (QPS)",
             "sr": "Centar za socijalni rad (QPS)"}),
    ("municipal-administration", {"sq": "Administrata komunale",
                                  "en": "Municipal administration",
                                  "sr": "Opštinska uprava"}),
    ("municipal-assembly", {"sq": "Kuvendi komunal",
                            "en": "Municipal assembly",
                            "sr": "Skupština opštine"}),
    ("mpms", {"sq": "Ministria e Punës dhe Mirëqenies Sociale (MPMS)",
              "en": "Ministry of Labour and Social Welfare (MPMS)",
              "sr": "Ministarstvo rada i socijalne zaštite (MPMS)"}),
    ("akk", {"sq": "Asociacioni i Komunave të Kosovës (AKK)",
             "en": "Association of Kosovo Municipalities (AKK)",
             "sr": "Asocijacija kosovskih opština (AKK)"}),
    ("other-public", {"sq": "Institucion tjetër publik",
                      "en": "Other public institution",
                      "sr": "Druga javna institucija"}),
    ("ngo", {"sq": "Organizatë joqeveritare (OJQ)",
             "en": "Non-governmental organisation (NGO)",
             "sr": "Nevladina organizacija (NVO)"}),
    ("other", {"sq": "Tjetër", "en": "Other", "sr": "Drugo"}),
)


def fold(text: str) -> str:
    """Lower-case and strip diacritics (ë→e, ç→c, š→s, đ→d, ...) for forgiving matching."""
    text = text.replace("đ", "dj").replace("Đ", "Dj")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def seed() -> int:
    """Insert missing municipalities and institution types; return how many were added."""
    added = 0
    have = set(db.session.scalars(select(Municipality.code)))
    for code, name_sq, name_sr in MUNICIPALITIES:
        if code not in have:
            db.session.add(Municipality(code=code, name_sq=name_sq, name_sr=name_sr, is_active=True))
            added += 1
    have = set(db.session.scalars(select(InstitutionType.code)))
    for position, (code, names) in enumerate(INSTITUTION_TYPES):
        if code not in have:
            db.session.add(InstitutionType(code=code, name=dict(names), position=position, is_active=True))
            added += 1
    return added
