"""The standard evaluation template every workshop starts from (seeded with the reference data)."""
from __future__ import annotations

from sqlalchemy import select

from lga.evaluation.models import EvaluationItem, EvaluationTemplate
from lga.extensions import db

STANDARD = "standard"
TITLE = {"sq": "Vlerësimi i punëtorisë", "en": "Workshop evaluation", "sr": "Evaluacija radionice"}
# (kind, dimension, required, text)
ITEMS = [
    ("likert", "relevance", True, {
        "sq": "Tema e punëtorisë ishte e rëndësishme për punën time.",
        "en": "The topic of the workshop was relevant to my work.",
        "sr": "Tema radionice je bila značajna za moj posao."}),
    ("likert", "content", True, {
        "sq": "Përmbajtja ishte e qartë dhe e organizuar mirë.",
        "en": "The content was clear and well structured.",
        "sr": "Sadržaj je bio jasan i dobro strukturiran."}),
    ("likert", "trainers", True, {
        "sq": "Trajnerët e njihnin mirë temën dhe e shpjeguan qartë.",
        "en": "The trainers knew the subject well and explained it clearly.",
        "sr": "Treneri su dobro poznavali temu i jasno je objasnili."}),
    ("likert", "organisation", True, {
        "sq": "Punëtoria ishte e organizuar mirë (koha, vendi ose platforma online, materialet).",
        "en": "The workshop was well organised (timing, venue or online platform, materials).",
        "sr": "Radionica je bila dobro organizovana (vreme, mesto ili onlajn platforma, materijali)."}),
    ("likert", "usefulness", True, {
        "sq": "Atë që mësova do ta përdor në punën time në komunë.",
        "en": "I will use what I learned in my work in the municipality.",
        "sr": "Ono što sam naučio/la koristiću u svom radu u opštini."}),
    ("likert", "overall", True, {
        "sq": "Në përgjithësi, jam i/e kënaqur me punëtorinë.",
        "en": "Overall, I am satisfied with the workshop.",
        "sr": "Sve u svemu, zadovoljan/na sam radionicom."}),
    ("comment", None, False, {
        "sq": "Çfarë ishte më e dobishme për ju?",
        "en": "What was most useful to you?",
        "sr": "Šta vam je bilo najkorisnije?"}),
    ("comment", None, False, {
        "sq": "Çfarë duhet të përmirësohet?",
        "en": "What should be improved?",
        "sr": "Šta treba poboljšati?"}),
]


def seed() -> int:
    """Add the standard template if it is missing; returns how many were added."""
    if db.session.scalar(select(EvaluationTemplate.id).where(EvaluationTemplate.code == STANDARD)):
        return 0
    template = EvaluationTemplate(code=STANDARD, title=TITLE, is_active=True)
    template.items = [EvaluationItem(position=i, kind=kind, dimension=dimension, required=required, text=text)
                      for i, (kind, dimension, required, text) in enumerate(ITEMS)]
    db.session.add(template)
    db.session.flush()
    return 1
