"""Demo data at realistic scale, for ``bench/`` (``flask lga demo --scale large``).

Generates, deterministically for a seed:

* 20,000 municipal staff (role ``trainee``), spread over Kosovo's 38 municipalities roughly by
  size, about 55% women, with Albanian, Serbian, Bosniak and Turkish names where those
  communities live; plus a few hundred trainers and a handful of programme managers;
* 2,000 published workshops of the loaded modules over the last three years and the next six
  months, with 3-5 sessions a day, 1-3 trainers, enrolment windows for the coming ones, some
  needing approval and some aimed at particular institution types;
* about 200,000 enrolments: people mostly from the workshop's region and target institutions,
  queued by ``requested_at``; finished workshops mostly ``completed`` with some ``cancelled``,
  coming ones ``enrolled`` up to capacity, then ``waitlisted``, with ``requested`` and
  ``rejected`` where approval is needed;
* attendance for every place holder in every session that has started (roll call, QR check-in,
  Zoom/Teams reports with minutes), consistent with completion (80% of sessions attended for
  ``completed``), and a certificate per completed enrolment: about 650,000 rows at scale 1.

Rows go in through SQLAlchemy Core ``insert`` in batches (no ORM objects; attendance and
certificates by ``COPY`` on PostgreSQL), everyone shares one precomputed password hash
("demo-password"), and the whole run is one transaction: either all of it is there or none of it. Every generated account's email ends in ``.rks-gov.example``; that is
the marker that makes a second run a no-op.

Extension points: each table is filled by one ``generate_<table>`` step, called in order by
``generate`` with a shared :class:`ScaleContext`. Feed :func:`bulk_insert` a generator so that
hundreds of thousands of rows (attendance) never sit in memory at once.

Dates are relative to the day of generation (so "upcoming" pages have data); everything else
depends on the seed only. Session nonces are random on purpose: they guard logins. ``scale``
shrinks every target (tests run the generator at 2%).
"""
from __future__ import annotations

import random
import secrets
import time as clock
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from itertools import islice
from typing import Callable, Iterable, Iterator

import click
from sqlalchemy import Table, func, insert, select

from lga.access import MANAGER, TRAINEE, TRAINER
from lga.attendance.certificates import ALPHABET as CODE_ALPHABET
from lga.attendance.checkin import LATE_AFTER
from lga.attendance.completion import required_sessions
from lga.attendance.models import ATTENDED, Attendance, Certificate
from lga.attendance.models import SOURCES as ATTENDANCE_SOURCES
from lga.attendance.models import STATUSES as STATUSES_OF_ATTENDANCE
from lga.attendance.online_import import DEFAULT_SHARE as ONLINE_PRESENT_SHARE
from lga.accounts.models import InstitutionType, Municipality, User, UserRole
from lga.accounts.passwords import hash_password
from lga.accounts.reference import fold
from lga.catalogue.models import (
    FORMATS, Module, Programme, SessionPlanItem, Workshop, WorkshopSession, workshop_target_institution,
    workshop_trainer,
)
from lga.demo.services import DEMO_PASSWORD, KOSOVO
from lga.enrolment.models import HOLDS_PLACE, Enrolment
from lga.extensions import db
from lga.i18n import localized

Echo = Callable[[str], None]

EMAIL_DOMAIN = "rks-gov.example"  # every generated account is <...>@<municipality>.rks-gov.example
BATCH_SIZE = 5_000

TARGETS = {
    "trainees": 20_000,
    "trainers": 300,
    "managers": 6,
    "workshops": 2_000,
    "enrolments": 200_000,
    # The estimate. The rows follow from the enrolments and sessions above (one per place
    # holder per started session): ~650,000 at scale 1; generate_attendance says so when it runs.
    "attendance": 1_000_000,
}


class ScaleError(click.ClickException):
    """The database is not ready for large demo data (e.g. no modules loaded)."""


# --- reference weights -------------------------------------------------------------------------

# Approximate population in thousands (2011/2024 censuses, rounded): staff numbers follow size,
# with a floor because even the smallest municipality has its directorates and a QPS.
POPULATION = {
    "decan": 40, "dragash": 34, "ferizaj": 109, "fushe-kosove": 50, "gjakove": 94, "gjilan": 90,
    "gllogoc": 59, "gracanice": 11, "hani-i-elezit": 10, "istog": 39, "junik": 6, "kamenice": 36,
    "kacanik": 33, "kline": 38, "kllokot": 3, "leposaviq": 18, "lipjan": 57, "malisheve": 54,
    "mamushe": 6, "mitrovice-e-jugut": 71, "mitrovice-e-veriut": 29, "novoberde": 7, "obiliq": 21,
    "partesh": 2, "peje": 96, "podujeve": 88, "prishtine": 200, "prizren": 178, "rahovec": 56,
    "ranillug": 4, "shterpce": 7, "shtime": 27, "skenderaj": 51, "suhareke": 59, "viti": 47,
    "vushtrri": 69, "zubin-potok": 15, "zvecan": 17,
}
STAFF_FLOOR = 8

# Which name pools (communities) a municipality's staff come from; the rest is Albanian.
COMMUNITY_MIX = {
    "leposaviq": {"serb": 0.92, "bosniak": 0.02}, "zubin-potok": {"serb": 0.95},
    "zvecan": {"serb": 0.94}, "mitrovice-e-veriut": {"serb": 0.85, "bosniak": 0.05},
    "gracanice": {"serb": 0.80}, "kllokot": {"serb": 0.80}, "partesh": {"serb": 0.95},
    "ranillug": {"serb": 0.92}, "shterpce": {"serb": 0.60}, "novoberde": {"serb": 0.45},
    "mamushe": {"turkish": 0.90}, "prizren": {"bosniak": 0.07, "turkish": 0.06, "serb": 0.01},
    "dragash": {"gorani": 0.30}, "peje": {"bosniak": 0.07, "serb": 0.01},
    "istog": {"bosniak": 0.03, "serb": 0.02}, "gjakove": {"egyptian": 0.02},
    "fushe-kosove": {"ashkali": 0.04, "serb": 0.02}, "obiliq": {"serb": 0.04, "roma": 0.02},
    "lipjan": {"serb": 0.04, "ashkali": 0.02}, "gjilan": {"serb": 0.02, "turkish": 0.01},
    "kamenice": {"serb": 0.03}, "vushtrri": {"serb": 0.01}, "prishtine": {"serb": 0.01, "turkish": 0.01},
}
DEFAULT_MIX = {"serb": 0.005, "bosniak": 0.005}

INSTITUTION_WEIGHTS = {
    "municipal-administration": 34, "qps": 20, "dshms": 15, "municipal-assembly": 8,
    "other-public": 9, "ngo": 7, "mpms": 3, "akk": 1, "other": 3,
}
# (Albanian, Serbian) name of the institution; {m} is the municipality's name in that language.
INSTITUTION_NAMES = {
    "municipal-administration": ("Administrata komunale {m}", "Opštinska uprava {m}"),
    "qps": ("Qendra për Punë Sociale {m}", "Centar za socijalni rad {m}"),
    "dshms": ("DSHMS {m}", "Direkcija za zdravstvo i socijalnu zaštitu {m}"),
    "municipal-assembly": ("Kuvendi Komunal {m}", "Skupština opštine {m}"),
    "other-public": ("Qendra Kryesore e Mjekësisë Familjare {m}", "Dom zdravlja {m}"),
    "ngo": ("OJQ Ura e Komunitetit {m}", "NVO Most zajednice {m}"),
    "mpms": ("Ministria e Punës dhe Mirëqenies Sociale", "Ministarstvo rada i socijalne zaštite"),
    "akk": ("Asociacioni i Komunave të Kosovës", "Asocijacija kosovskih opština"),
    "other": (None, None),
}
# (male, female) forms; Albanian and Serbian.
POSITIONS_SQ = {
    "municipal-administration": [("Zyrtar për buxhet", "Zyrtare për buxhet"),
                                 ("Zyrtar për prokurim", "Zyrtare për prokurim"),
                                 ("Zyrtar për personel", "Zyrtare për personel"),
                                 ("Zyrtar ligjor", "Zyrtare ligjore"),
                                 ("Zyrtar për planifikim strategjik", "Zyrtare për planifikim strategjik"),
                                 ("Drejtor", "Drejtoreshë")],
    "qps": [("Punëtor social", "Punëtore sociale"), ("Psikolog", "Psikologe"), ("Jurist", "Juriste"),
            ("Udhëheqës i QPS-së", "Udhëheqëse e QPS-së")],
    "dshms": [("Zyrtar për mirëqenie sociale", "Zyrtare për mirëqenie sociale"),
              ("Zyrtar për shëndetësi", "Zyrtare për shëndetësi"), ("Drejtor", "Drejtoreshë")],
    "municipal-assembly": [("Anëtar i Kuvendit Komunal", "Anëtare e Kuvendit Komunal"),
                           ("Zyrtar për mbështetjen e Kuvendit", "Zyrtare për mbështetjen e Kuvendit")],
    "other-public": [("Zyrtar", "Zyrtare"), ("Mjek familjar", "Mjeke familjare")],
    "ngo": [("Koordinator projekti", "Koordinatore projekti"), ("Drejtor ekzekutiv", "Drejtoreshë ekzekutive")],
    "mpms": [("Zyrtar i lartë", "Zyrtare e lartë"), ("Këshilltar", "Këshilltare")],
    "akk": [("Koordinator", "Koordinatore")],
    "other": [("Këshilltar", "Këshilltare")],
}
POSITIONS_SR = [("Socijalni radnik", "Socijalna radnica"), ("Službenik za budžet", "Službenica za budžet"),
                ("Pravnik", "Pravnica"), ("Psiholog", "Psihološkinja"), ("Direktor", "Direktorka"),
                ("Koordinator", "Koordinatorka"), ("Odbornik", "Odbornica")]
TRAINER_POSITIONS = [("Trajner", "Trajnere"), ("Ekspert i qeverisjes lokale", "Eksperte e qeverisjes lokale"),
                     ("Konsulent", "Konsulente")]

# --- names ------------------------------------------------------------------------------------

ALBANIAN = (
    # female
    "Arta Blerta Drita Fatime Valbona Vjosa Teuta Liridona Mimoza Shqipe Albulena Arbnora Besa "
    "Burbuqe Donika Edona Elira Flutura Gentiana Hana Jeta Kaltrina Lumturie Merita Njomza Qëndresa "
    "Rina Saranda Shpresa Valentina Vlora Zana Ardiana Fitore Leonora Mirlinda Nora Rrezarta Yllka "
    "Egzona Diellza Erblina Lindita Afërdita Besarta Luljeta Majlinda Pranvera Sabina Violeta",
    # male
    "Agron Arben Artan Bekim Besnik Blerim Burim Driton Fatmir Faton Fisnik Gazmend Gentrit Ilir "
    "Kushtrim Labinot Lulzim Mentor Naim Petrit Shkëlzen Valon Visar Ylber Arianit Armend Bujar "
    "Dardan Egzon Florent Granit Hajdar Ismet Jeton Kreshnik Liridon Mërgim Nexhat Osman Rrahman "
    "Sami Skender Taulant Vullnet Xhevdet Zenel Adem Bashkim Enver Ramadan",
    # family
    "Krasniqi Gashi Berisha Hoxha Morina Shala Bytyqi Kastrati Rexhepi Ahmeti Hasani Kelmendi Thaçi "
    "Mustafa Maloku Osmani Sylejmani Haliti Jashari Zeqiri Bajrami Rama Hyseni Musliu Dervishi Islami "
    "Kurti Lushtaku Mehmeti Syla Gjoka Rugova Limani Sadiku Salihu Ibrahimi Behrami Hajdari Avdiu "
    "Istrefi Ramadani Selimi Qerimi Zymberi Demaj Gjinolli Dushku Bunjaku Pllana Veseli",
)
SERBIAN = (
    "Jelena Marija Milica Ana Jovana Ivana Dragana Snežana Gordana Nataša Tijana Vesna Biljana "
    "Danijela Mirjana Sanja Suzana Tatjana Slađana Ljiljana Jasmina Marina Sofija Katarina Nevena "
    "Zorica Branka Dušica Olivera Svetlana",
    "Nikola Marko Stefan Miloš Nemanja Dragan Zoran Goran Dejan Milan Aleksandar Srđan Vladimir "
    "Dušan Ivan Bojan Predrag Slobodan Miroslav Nenad Saša Žarko Vuk Lazar Uroš Darko Radomir "
    "Milovan Stevan Branislav",
    "Jovanović Petrović Nikolić Marković Đorđević Stojanović Ilić Stanković Pavlović Milošević "
    "Todorović Lazić Kostić Ristić Simić Mitić Denić Trajković Vasić Arsić Milić Radić Savić "
    "Veličković Stevanović Popović Janković Đokić Spasić Krstić",
)
BOSNIAK = (
    "Amra Selma Emina Lejla Aida Merima Alma Sabina Dženana Edina",
    "Adnan Edin Haris Amir Senad Mirsad Elvis Admir Nermin Kenan",
    "Hodžić Mehmedović Omerović Bećirović Kurtović Hadžić Begović Salihović Ćorović Mujić",
)
TURKISH = (
    "Ayşe Emine Fatma Zeynep Elif Sevda Nurhan Gülsüm Derya Melek",
    "Mehmet Ahmet Mustafa Ali Hüseyin Murat Erdal Fikret Cengiz Orhan",
    "Yıldız Kaya Doğan Çelik Şahin Aydın Özdemir Arslan Koç Kurt",
)
GORANI = (
    "Fikrija Ćamila Senija Ramiza Sabrija Nedžmija",
    "Ramadan Šerif Zećir Ruždi Sadik Dževdet",
    "Dokle Bački Murati Ajdini Zećiri Rašiti",
)
# community -> (female given names, male given names, family names)
NAME_POOLS = {
    community: tuple(tuple(names.split()) for names in pool)
    for community, pool in {
        "albanian": ALBANIAN, "ashkali": ALBANIAN, "egyptian": ALBANIAN, "roma": ALBANIAN,
        "serb": SERBIAN, "bosniak": BOSNIAK, "turkish": TURKISH, "gorani": GORANI,
    }.items()
}
LOCALE_OF = {"serb": "sr", "bosniak": "sr", "gorani": "sr"}

# --- workshops -------------------------------------------------------------------------------

MODE_WEIGHTS = {"in_person": 50, "virtual": 25, "hybrid": 25}
# A training room holds 20-40; a hybrid one adds remote seats; webinars for all municipalities
# take a few hundred.
CAPACITIES = {
    "in_person": (20, 25, 30, 30, 35, 40),
    "hybrid": (40, 50, 60, 80, 100, 120),
    "virtual": (100, 150, 200, 250, 300, 400),
}
DAYS_WEIGHTS = {1: 45, 2: 35, 3: 20}
LANGUAGE_WEIGHTS = {"sq": 85, "sr": 10, "en": 5}
FORMAT_WEIGHTS = {"lecture": 30, "discussion": 25, "group_work": 25, "information_exchange": 15,
                  "study_visit": 5}
assert set(FORMAT_WEIGHTS) == set(FORMATS)
FORMAT_TITLES = {
    "lecture": "Ligjëratë", "discussion": "Diskutim", "group_work": "Punë në grupe",
    "information_exchange": "Shkëmbim informacioni", "study_visit": "Vizitë studimore",
}
VENUES = ("Salla e trajnimeve, {m}", "Salla e mbledhjeve e Kuvendit Komunal, {m}",
          "Qendra për Punë Sociale, {m}", "Hotel, salla e konferencave, {m}")
APPROVAL_SHARE = 0.15          # workshops where a manager decides who gets a place
TARGETED_SHARE = 0.25          # workshops aimed at one or two institution types

# --- enrolment -------------------------------------------------------------------------------

# Kosovo's seven districts: people travel to a workshop in their own region.
REGIONS = {
    "prishtine": ("prishtine", "fushe-kosove", "gllogoc", "gracanice", "lipjan", "novoberde", "obiliq",
                  "podujeve"),
    "mitrovice": ("mitrovice-e-jugut", "mitrovice-e-veriut", "leposaviq", "skenderaj", "vushtrri",
                  "zubin-potok", "zvecan"),
    "peje": ("peje", "istog", "kline"),
    "gjakove": ("gjakove", "decan", "junik", "rahovec"),
    "prizren": ("prizren", "dragash", "malisheve", "mamushe", "suhareke"),
    "ferizaj": ("ferizaj", "hani-i-elezit", "kacanik", "shterpce", "shtime"),
    "gjilan": ("gjilan", "kamenice", "kllokot", "partesh", "ranillug", "viti"),
}
REGION_OF = {mun: region for region, muns in REGIONS.items() for mun in muns}
# Share of a workshop's participants from its own region (virtual workshops draw from everywhere),
# and from its target institutions when it has some.
LOCAL_SHARE = {"in_person": 0.85, "hybrid": 0.6, "virtual": 0.0}
TARGET_SHARE = 0.85
SOURCE_WEIGHTS = {"self": 82, "staff": 12, "import": 6}
CANCEL_RATE = 0.18             # of those who did not get rejected
REJECT_RATE = 0.08             # of the requests to workshops that need approval
# Most asked for per place: a finished workshop's waitlist stays short (it was closed when it took
# place); a coming one's may be long.
MAX_DEMAND = {"finished": 1.35, "coming": 1.8}
PENDING_DAYS = 7               # requests younger than this are still waiting for a decision
REJECT_REASONS = (
    "Trajnimi është për stafin e institucioneve të synuara.",
    "Keni ndjekur tashmë këtë modul.",
    "Kuota për komunën tuaj është plotësuar.",
    "Ju lutemi regjistrohuni në trajnimin në rajonin tuaj.",
)
WAITLIST_CLOSED = "Lista e pritjes u mbyll: nuk u lirua vend para fillimit të trajnimit."

# --- attendance ------------------------------------------------------------------------------

ONLINE_PLATFORM_WEIGHTS = {"zoom": 60, "teams": 40}   # one per online or hybrid workshop
HYBRID_REMOTE_SHARE = 0.4      # of a hybrid workshop's people who follow online
QR_SESSION_SHARE = 0.3         # in-room sessions where the trainer puts up the check-in QR code
QR_SCAN_RATE = 0.85            # of those who came to such a session: the rest are in the roll call
LATE_RATE = 0.06               # of those who came in person
ATTENDANCE_MISS_RATE = 0.35    # a completer misses a session where the rule allows it (5-6 sessions)
ENROLLED_ATTEND_RATE = 0.85    # sessions attended by someone whose workshop is still running
MISSED_STATUS_WEIGHTS = {"excused": 40, "partial": 30, "absent": 30}
CLI_IMPORT_SHARE = 0.2         # online reports imported with `flask lga import-attendance` (no recorder)
LATE_AFTER_SECONDS = int(LATE_AFTER.total_seconds())


@dataclass
class ScaleContext:
    """What one step hands to the next: ids in insertion order, never ORM objects."""

    rng: random.Random
    today: date                                 # in Kosovo
    now: datetime                               # UTC; "upcoming" and "pending" are relative to it
    echo: Echo
    targets: dict[str, int]                     # TARGETS, scaled
    password_hash: str
    municipalities: dict[str, int]              # code -> id
    municipality_names: dict[str, tuple[str, str]]  # code -> (sq, sr)
    institution_types: dict[str, int]           # code -> id
    programmes: dict[str, int]                  # code -> id
    modules: list[dict]                         # id, code, programme_id, title, plan
    trainee_ids: list[int] = field(default_factory=list)
    # (municipality code, institution type code) of each trainee, parallel to trainee_ids
    trainee_profiles: list[tuple[str, str]] = field(default_factory=list)
    trainer_ids: list[int] = field(default_factory=list)
    manager_ids: list[int] = field(default_factory=list)
    # per workshop: id, start, days, mode, capacity, municipality, targets, windows, trainers, …
    workshops: list[dict] = field(default_factory=list)
    # workshop id -> its session ids in time order
    sessions: dict[int, list[int]] = field(default_factory=dict)
    # session id -> (starts_at, ends_at, trainer_id), for attendance
    session_times: dict[int, tuple[datetime, datetime, int | None]] = field(default_factory=dict)
    # workshop id -> ids of the people who hold a place (completed or enrolled), for attendance
    participants: dict[int, list[int]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


# --- helpers ---------------------------------------------------------------------------------

def batched(rows: Iterable[dict], size: int = BATCH_SIZE) -> Iterator[list[dict]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def bulk_insert(table: Table, rows: Iterable[dict], *, echo: Echo | None = None, label: str = "",
                total: int | None = None, returning_id: bool = False, copy: bool = False) -> list[int]:
    """Insert ``rows`` (a list or a generator of dicts with the same keys) in batches.

    With ``returning_id`` the new primary keys come back in the order of ``rows`` (RETURNING,
    which SQLite >= 3.35 and PostgreSQL both have); otherwise nothing is kept, so a generator
    of a million rows stays light. ``copy``: on PostgreSQL, ``COPY`` instead of INSERT (see
    :func:`_copy_rows`; the rows must then give every column that has a Python-side default).
    """
    ids: list[int] = []
    done = 0
    stmt = insert(table)
    if returning_id:
        stmt = stmt.returning(table.c.id, sort_by_parameter_order=True)
    copy = copy and not returning_id and db.session.get_bind().dialect.name == "postgresql"
    for batch in batched(rows):
        if copy:
            _copy_rows(table, batch)
            done += len(batch)
            if echo and label:
                echo(f"  {label}: {done:,}" + (f" / {total:,}" if total else ""))
            continue
        result = db.session.execute(stmt, batch)
        if returning_id:
            ids.extend(result.scalars().all())
        done += len(batch)
        if echo and label:
            echo(f"  {label}: {done:,}" + (f" / {total:,}" if total else ""))
    return ids


def _copy_rows(table: Table, batch: list[dict]) -> None:
    """PostgreSQL: ``COPY ... FROM STDIN`` on the session's connection (same transaction).

    psycopg sends an executemany as one pipelined INSERT per row; COPY is several times faster
    for hundreds of thousands of rows. The values are plain (ints, text, booleans, aware UTC
    datetimes), so skipping SQLAlchemy's bind processing writes exactly what INSERT would.
    """
    columns = list(batch[0])
    defaulted = [c.name for c in table.c if c.default is not None and c.name not in columns]
    if defaulted:  # COPY would leave them empty where INSERT fills them in
        raise ValueError(f"{table.name}: give {', '.join(defaulted)} in the rows to COPY them")
    driver = db.session.connection().connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in batch:
            copy.write_row([row[c] for c in columns])


def weighted(rng: random.Random, weights: dict) -> Callable[[], object]:
    """A picker over ``weights``' keys with the precomputed cumulative weights (fast in loops)."""
    keys = list(weights)
    cum = []
    acc = 0.0
    for key in keys:
        acc += weights[key]
        cum.append(acc)
    return lambda: rng.choices(keys, cum_weights=cum)[0]


def slug(text: str) -> str:
    """ASCII for an email's local part: diacritics folded, anything else dropped."""
    text = fold(text).replace("ı", "i")
    return "".join(c for c in text if c.isascii() and c.isalnum())


def local_to_utc(day: date, minutes_after_midnight: int) -> datetime:
    """A wall-clock time in Kosovo on ``day`` (summer time included), in UTC."""
    hours, minutes = divmod(minutes_after_midnight, 60)
    return datetime.combine(day, time(hours, minutes), tzinfo=KOSOVO).astimezone(timezone.utc)


def generated_accounts() -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.email.like(f"%.{EMAIL_DOMAIN}"))) or 0


# --- steps -----------------------------------------------------------------------------------

def _people_rows(ctx: ScaleContext, n: int, *, start_no: int, role: str,
                 profiles: list[tuple[str, str]] | None = None) -> Iterator[dict]:
    rng = ctx.rng
    codes = sorted(ctx.municipalities)
    if role == TRAINEE:
        mun_weights = {c: POPULATION.get(c, 10) + STAFF_FLOOR for c in codes}
        types = {c: w for c, w in INSTITUTION_WEIGHTS.items() if c in ctx.institution_types}
    elif role == TRAINER:
        mun_weights = {c: POPULATION.get(c, 10) ** 1.5 for c in codes}  # trainers live in the cities
        types = {c: w for c, w in {"other-public": 4, "ngo": 4, "akk": 1, "other": 3}.items()
                 if c in ctx.institution_types}
    else:
        mun_weights = {"prishtine": 1} if "prishtine" in ctx.municipalities else {codes[0]: 1}
        types = {"other-public": 1} if "other-public" in ctx.institution_types else {
            next(iter(ctx.institution_types)): 1}
    pick_mun = weighted(rng, mun_weights)
    pick_type = weighted(rng, types)
    pick_sex = weighted(rng, {"female": 55, "male": 44, "undisclosed": 1})
    mixes = {}
    for code in codes:
        mix = dict(COMMUNITY_MIX.get(code, DEFAULT_MIX))
        mix["albanian"] = max(0.0, 1 - sum(mix.values()))
        mixes[code] = weighted(rng, mix)
    span_days = 3 * 365
    now = ctx.now

    for k in range(n):
        mun = pick_mun()
        community = mixes[mun]()
        female_names, male_names, family_names = NAME_POOLS[community]
        sex = pick_sex()
        female = sex == "female" or (sex == "undisclosed" and rng.random() < 0.5)
        given = rng.choice(female_names if female else male_names)
        family = rng.choice(family_names)
        locale = LOCALE_OF.get(community, "sq")
        if locale == "sq" and rng.random() < 0.02:
            locale = "en"
        inst = pick_type()
        name_sq, name_sr = ctx.municipality_names[mun]
        template = INSTITUTION_NAMES.get(inst, (None, None))[1 if locale == "sr" else 0]
        if role == MANAGER:
            institution_name = "Instituti Kosovar për Qeverisje Lokale (KLGI)"
            position = ("Menaxher programi", "Menaxhere programi")[female]
        elif role == TRAINER:
            institution_name = template.format(m=name_sq) if template else None
            position = rng.choice(TRAINER_POSITIONS)[female]
        else:
            institution_name = template.format(m=name_sr if locale == "sr" else name_sq) if template else None
            pool = POSITIONS_SR if locale == "sr" else POSITIONS_SQ.get(inst, POSITIONS_SQ["other"])
            position = rng.choice(pool)[female]
        # The community is optional in the profile: many leave it empty, a few decline.
        r = rng.random()
        declared = community if r < 0.7 else ("undisclosed" if r < 0.75 else None)
        created = now - timedelta(days=rng.randrange(span_days), seconds=rng.randrange(86400))
        last_login = None
        if rng.random() < 0.6:
            last_login = created + (now - created) * rng.random()
        if profiles is not None:
            profiles.append((mun, inst))
        yield {
            "email": f"{slug(given)}.{slug(family)}.{start_no + k}@{mun}.{EMAIL_DOMAIN}",
            "password_hash": ctx.password_hash,
            "given_name": given,
            "family_name": family,
            "municipality_id": ctx.municipalities[mun],
            "institution_type_id": ctx.institution_types[inst],
            "institution_name": institution_name,
            "position": position,
            "sex": sex,
            "community": declared,
            "locale": locale,
            "active": rng.random() >= 0.015,  # a few have left their post
            "session_nonce": secrets.token_hex(16),
            "created_at": created,
            "last_login_at": last_login,
        }


def _insert_people(ctx: ScaleContext, n: int, role: str, start_no: int, label: str,
                   profiles: list[tuple[str, str]] | None = None) -> list[int]:
    ids = bulk_insert(User.__table__, _people_rows(ctx, n, start_no=start_no, role=role, profiles=profiles),
                      echo=ctx.echo, label=label, total=n, returning_id=True)
    bulk_insert(UserRole.__table__, ({"user_id": i, "role": role} for i in ids))
    ctx.counts[label] = len(ids)
    return ids


def generate_people(ctx: ScaleContext) -> None:
    """user_account + user_role: trainees, trainers and managers."""
    n = ctx.targets
    ctx.trainee_ids = _insert_people(ctx, n["trainees"], TRAINEE, 1, "trainees", ctx.trainee_profiles)
    ctx.trainer_ids = _insert_people(ctx, n["trainers"], TRAINER, n["trainees"] + 1, "trainers")
    ctx.manager_ids = _insert_people(ctx, n["managers"], MANAGER, n["trainees"] + n["trainers"] + 1, "managers")


def _workshop_rows(ctx: ScaleContext, plans: list[dict]) -> Iterator[dict]:
    rng = ctx.rng
    codes = sorted(ctx.municipalities)
    pick_mun = weighted(rng, {c: POPULATION.get(c, 10) ** 1.3 for c in codes})
    pick_mode = weighted(rng, MODE_WEIGHTS)
    pick_days = weighted(rng, DAYS_WEIGHTS)
    pick_language = weighted(rng, LANGUAGE_WEIGHTS)
    target_types = {c: w for c, w in INSTITUTION_WEIGHTS.items() if c in ctx.institution_types and c != "other"}
    pick_target = weighted(rng, target_types) if target_types else None
    programme_codes = sorted(ctx.programmes)
    now = ctx.now
    first = ctx.today - timedelta(days=3 * 365)
    span = (ctx.today + timedelta(days=183) - first).days
    for _ in range(ctx.targets["workshops"]):
        module = rng.choice(ctx.modules)
        mode = pick_mode()
        days = pick_days()
        start = first + timedelta(days=rng.randrange(span))
        while start.weekday() >= 5:  # workshops start on weekdays
            start = first + timedelta(days=rng.randrange(span))
        end = start + timedelta(days=days - 1)
        language = pick_language()
        # Mostly the module's own programme; sometimes another programme runs it.
        programme_id = module["programme_id"]
        if rng.random() < 0.2:
            programme_id = ctx.programmes[rng.choice(programme_codes)]
        mun = pick_mun() if mode != "virtual" else None
        name_sq = ctx.municipality_names[mun][0] if mun else None
        place = name_sq or "online"
        title = localized(module["title"], language) or module["code"]
        # Published weeks or months ahead; the far-off ones a few days ago.
        created = min(local_to_utc(start - timedelta(days=rng.randint(21, 90)), 9 * 60),
                      now - timedelta(days=rng.randint(1, 20), minutes=rng.randrange(600)))
        opens = closes = None
        if end >= ctx.today:
            # Coming (or running) workshops have an enrolment window; it may not be open yet.
            opens = max(created, local_to_utc(start - timedelta(days=rng.randint(30, 60)), 8 * 60))
            closes = local_to_utc(start - timedelta(days=rng.randint(1, 3)), 16 * 60)
        targets: list[str] = []
        if pick_target and rng.random() < TARGETED_SHARE:
            targets = sorted({pick_target() for _ in range(rng.randint(1, 2))})
        plans.append({
            "module": module, "mode": mode, "days": days, "start": start, "end": end, "language": language,
            "venue": rng.choice(VENUES).format(m=name_sq) if mun else None, "municipality": mun,
            "capacity": rng.choice(CAPACITIES[mode]), "requires_approval": rng.random() < APPROVAL_SHARE,
            "created": created, "opens": opens, "closes": closes, "targets": targets,
        })
        plan = plans[-1]
        yield {
            "module_id": module["id"],
            "programme_id": programme_id,
            "title": f"{title} — {place} ({start:%m/%Y})"[:200],
            "description": localized(module["summary"], language) or None,
            "language": language,
            "mode": mode,
            "start_date": start,
            "end_date": end,
            "venue": plan["venue"],
            "municipality_id": ctx.municipalities[mun] if mun else None,
            "meeting_url": f"https://meet.example.org/lga-{rng.randrange(16**8):08x}" if mode != "in_person" else None,
            "capacity": plan["capacity"],
            "status": "published",
            "enrol_opens_at": opens,
            "enrol_closes_at": closes,
            "requires_approval": plan["requires_approval"],
            # Trainees may cancel up to two days before (after that a manager does it).
            "cancel_until": local_to_utc(start - timedelta(days=2), 16 * 60),
            "sequence": 0,
            "created_by_id": rng.choice(ctx.manager_ids) if ctx.manager_ids else None,
            "created_at": created,
            "updated_at": created,
        }


def generate_workshops(ctx: ScaleContext) -> None:
    """workshop + workshop_trainer + workshop_target_institution: deliveries of the loaded
    modules, 1-3 trainers each, some aimed at one or two institution types."""
    rng = ctx.rng
    plans: list[dict] = []
    ids = bulk_insert(Workshop.__table__, _workshop_rows(ctx, plans), echo=ctx.echo, label="workshops",
                      total=ctx.targets["workshops"], returning_id=True)
    # A few trainers do much of the teaching: weight them by a long-tailed draw.
    trainer_weights = [rng.paretovariate(1.5) for _ in ctx.trainer_ids]
    pick_count = weighted(rng, {1: 50, 2: 35, 3: 15})
    links = []
    for workshop_id, plan in zip(ids, plans):
        chosen: list[int] = []
        want = min(pick_count(), len(ctx.trainer_ids))
        while len(chosen) < want:
            trainer = rng.choices(ctx.trainer_ids, weights=trainer_weights)[0]
            if trainer not in chosen:
                chosen.append(trainer)
        plan["id"] = workshop_id
        plan["trainers"] = chosen
        links.extend({"workshop_id": workshop_id, "user_id": t} for t in chosen)
    bulk_insert(workshop_trainer, links)
    targets = [{"workshop_id": plan["id"], "institution_type_id": ctx.institution_types[code]}
               for plan in plans for code in plan["targets"]]
    bulk_insert(workshop_target_institution, targets)
    ctx.workshops = plans
    ctx.counts["workshops"] = len(ids)
    ctx.counts["workshop trainers"] = len(links)
    ctx.counts["workshop targets"] = len(targets)


def _session_rows(ctx: ScaleContext, order: list[int]) -> Iterator[dict]:
    rng = ctx.rng
    pick_format = weighted(rng, FORMAT_WEIGHTS)
    for workshop in ctx.workshops:
        days = workshop["days"]
        n = sum(rng.randint(3, 5) for _ in range(days))  # a workshop day holds 3-5 sessions
        plan = workshop["module"]["plan"]
        per_day: dict[int, int] = {}
        for k in range(n):
            day_index = k * days // n
            per_day[day_index] = per_day.get(day_index, 0) + 1
        minute_of_day = {d: 9 * 60 + 30 for d in per_day}
        seen_on_day = {d: 0 for d in per_day}
        for k in range(n):
            d = k * days // n
            item = plan[k % len(plan)] if plan else None
            fmt = item["format"] if item and rng.random() < 0.8 else pick_format()
            if fmt == "study_visit" and workshop["mode"] == "virtual":
                fmt = "information_exchange"
            length = rng.choice((45, 60) if per_day[d] > 4 else (60, 75, 90, 90, 120))
            day = workshop["start"] + timedelta(days=d)
            begin = minute_of_day[d]
            title = localized(item["title"], workshop["language"]) if item else ""
            order.append(workshop["id"])
            yield {
                "workshop_id": workshop["id"],
                "title": (title or f"{FORMAT_TITLES[fmt]} {k + 1}")[:200],
                "format": fmt,
                "starts_at": local_to_utc(day, begin),
                "ends_at": local_to_utc(day, begin + length),
                "room": workshop["venue"],
                "trainer_id": rng.choice(workshop["trainers"]) if workshop["trainers"] else None,
            }
            seen_on_day[d] += 1
            # A coffee break between sessions, lunch after the second one of the day.
            minute_of_day[d] = begin + length + (60 if seen_on_day[d] == 2 else 15)


def generate_sessions(ctx: ScaleContext) -> None:
    """workshop_session: 3-5 a day over the workshop's days, formats from the module's plan."""
    order: list[int] = []
    times: list[tuple[datetime, datetime, int | None]] = []

    def noted(rows: Iterator[dict]) -> Iterator[dict]:
        for row in rows:
            times.append((row["starts_at"], row["ends_at"], row["trainer_id"]))
            yield row

    ids = bulk_insert(WorkshopSession.__table__, noted(_session_rows(ctx, order)), echo=ctx.echo,
                      label="sessions", returning_id=True)
    sessions: dict[int, list[int]] = {}
    for workshop_id, session_id, when in zip(order, ids, times):
        sessions.setdefault(workshop_id, []).append(session_id)
        ctx.session_times[session_id] = when
    ctx.sessions = sessions
    ctx.counts["sessions"] = len(ids)


@dataclass
class _Pools:
    """Trainee ids by region and institution type, to draw a workshop's participants from."""

    everyone: list[int]
    by_region: dict[str, list[int]]
    by_type: dict[str, list[int]]
    by_region_type: dict[tuple[str, str], list[int]]

    @classmethod
    def of(cls, ctx: ScaleContext) -> "_Pools":
        pools = cls(list(ctx.trainee_ids), {}, {}, {})
        for person, (mun, inst) in zip(ctx.trainee_ids, ctx.trainee_profiles):
            region = REGION_OF.get(mun, mun)
            pools.by_region.setdefault(region, []).append(person)
            pools.by_type.setdefault(inst, []).append(person)
            pools.by_region_type.setdefault((region, inst), []).append(person)
        return pools


def _draw_people(rng: random.Random, pools: _Pools, plan: dict, n: int) -> list[int]:
    """``n`` distinct people for a workshop: mostly from its region and its target institutions."""
    region = REGION_OF.get(plan["municipality"]) if plan["municipality"] else None
    local = pools.by_region.get(region, []) if region else []
    local_share = LOCAL_SHARE[plan["mode"]] if local else 0.0
    targets = [t for t in plan["targets"] if pools.by_type.get(t)]
    target_share = TARGET_SHARE if targets else 0.0
    anywhere_target = [p for t in targets for p in pools.by_type[t]]
    local_target = [p for t in targets for p in pools.by_region_type.get((region, t), ())] or local
    choices = {(True, True): local_target, (True, False): local, (False, True): anywhere_target,
               (False, False): pools.everyone}
    chosen: list[int] = []
    seen: set[int] = set()
    n = min(n, len(pools.everyone) // 2)  # so that the fallback below finds someone quickly
    while len(chosen) < n:
        person = None
        for _ in range(8):  # a small local pool runs dry: then look further afield
            pool = choices[(rng.random() < local_share, rng.random() < target_share)]
            candidate = pool[rng.randrange(len(pool))]
            if candidate not in seen:
                person = candidate
                break
        while person is None or person in seen:
            person = pools.everyone[rng.randrange(len(pools.everyone))]
        seen.add(person)
        chosen.append(person)
    return chosen


def _demands(ctx: ScaleContext) -> list[int]:
    """How many people ask for each workshop, summing to about the enrolment target.

    Proportional to capacity and a popularity draw; coming workshops by how much of their
    enrolment window has passed (none before it opens, most of it early on). No workshop draws
    more than :data:`MAX_DEMAND` times its capacity: the surplus goes to the others.
    """
    rng = ctx.rng
    weights, caps = [], []
    for plan in ctx.workshops:
        openness = 1.0
        if plan["opens"] is not None:
            window = (plan["closes"] - plan["opens"]).total_seconds()
            elapsed = (ctx.now - plan["opens"]).total_seconds()
            openness = min(1.0, elapsed / window) ** 0.5 if elapsed > 0 else 0.0
        weights.append(plan["capacity"] * rng.lognormvariate(0, 0.3) * openness)
        caps.append(plan["capacity"] * MAX_DEMAND["finished" if plan["opens"] is None else "coming"])
    target = ctx.targets["enrolments"]
    capped: set[int] = set()
    for _ in range(20):  # water-filling: scale the uncapped ones until the target or every cap is hit
        free = sum(w for k, w in enumerate(weights) if k not in capped)
        factor = (target - sum(caps[k] for k in capped)) / free if free else 0.0
        newly = {k for k, w in enumerate(weights) if k not in capped and w * factor > caps[k]}
        if not newly or factor <= 0:
            break
        capped |= newly
    return [round(caps[k] if k in capped else w * max(factor, 0.0)) for k, w in enumerate(weights)]


def _enrolment_rows(ctx: ScaleContext, pools: _Pools, demands: list[int]) -> Iterator[dict]:
    rng = ctx.rng
    now = ctx.now
    pick_source = weighted(rng, SOURCE_WEIGHTS)
    for plan, demand in zip(ctx.workshops, demands):
        if demand <= 0:
            continue
        people = _draw_people(rng, pools, plan, demand)
        starts_at = local_to_utc(plan["start"], 9 * 60)
        finished = plan["end"] < ctx.today
        first = plan["opens"] or plan["created"]
        last = min(plan["closes"] or starts_at - timedelta(days=1), now)
        span = max(3600, int((last - first).total_seconds()))
        deciders = ctx.manager_ids or plan["trainers"] or [None]
        import_at = first + timedelta(seconds=int(span * rng.random() * 0.5))  # one staff list per workshop
        queue = []
        for person in people:
            source = pick_source()
            # Most ask early, when the workshop is announced.
            requested = import_at if source == "import" else first + timedelta(
                seconds=int(span * rng.random() ** 1.6))
            queue.append((requested, person, source))
        queue.sort()
        reminder_at = local_to_utc(plan["start"] - timedelta(days=1), 9 * 60)
        holders: list[int] = []
        for requested, person, source in queue:
            status = None
            decided_by = reason = cancelled_at = reminder = None
            if plan["requires_approval"] and source == "self":
                decided_at = min(requested + timedelta(hours=rng.randint(2, 24 * PENDING_DAYS)),
                                 starts_at - timedelta(hours=1))
                decided_by = rng.choice(deciders)
                if decided_at > now:
                    status, decided_at, decided_by = "requested", None, None
                elif rng.random() < REJECT_RATE:
                    status, reason = "rejected", rng.choice(REJECT_REASONS)
            elif source == "self":
                decided_at = None  # as enrolment.services.enrol: no one decided, the queue did
            else:
                decided_at, decided_by = requested, rng.choice(deciders)  # put on the list by staff
            if status is None:
                since = decided_at or requested
                if rng.random() < CANCEL_RATE:
                    status = "cancelled"
                    cancelled_at = since + (min(starts_at, now) - since) * rng.random()
                elif len(holders) < plan["capacity"]:
                    status = "completed" if finished else "enrolled"
                    holders.append(person)
                    if since < reminder_at <= now:
                        reminder = reminder_at
                elif finished:
                    status, cancelled_at, reason = "cancelled", starts_at, WAITLIST_CLOSED
                else:
                    status = "waitlisted"
            updated = max(t for t in (requested, decided_at, cancelled_at) if t is not None)
            if status == "completed":
                updated = local_to_utc(plan["end"], 17 * 60)
            yield {
                "workshop_id": plan["id"],
                "user_id": person,
                "status": status,
                "source": source,
                "requested_at": requested,
                "decided_at": decided_at,
                "decided_by_id": decided_by,
                "reason": reason,
                "cancelled_at": cancelled_at,
                "reminder_sent_at": reminder,
                "updated_at": updated,
            }
        ctx.participants[plan["id"]] = holders


def generate_enrolments(ctx: ScaleContext) -> None:
    """enrolment: about TARGETS["enrolments"] rows over the trainees and the workshops.

    Each workshop's people are queued by ``requested_at`` (all before it starts): the first
    ``capacity`` who neither cancelled nor were turned down hold a place (``completed`` once the
    workshop is over, ``enrolled`` before), the rest are ``waitlisted`` — or, for a workshop that
    is over, ``cancelled`` with the reason that the waitlist closed. Where approval is needed,
    recent requests are still ``requested`` and some are ``rejected`` with a reason. Keeps in
    ``ctx.participants`` the place holders per workshop, for attendance.
    """
    demands = _demands(ctx)
    statuses: dict[str, int] = {}

    def counted(rows: Iterator[dict]) -> Iterator[dict]:
        for row in rows:
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
            yield row

    bulk_insert(Enrolment.__table__, counted(_enrolment_rows(ctx, _Pools.of(ctx), demands)),
                echo=ctx.echo, label="enrolments", total=sum(demands))
    ctx.counts["enrolments"] = sum(statuses.values())
    for status in ("completed", "enrolled", "waitlisted", "requested", "rejected", "cancelled"):
        ctx.counts[f"  {status}"] = statuses.get(status, 0)


class _DefaultRules:
    """A workshop without its own completion rule (every generated one): the platform's default."""

    completion_share = None


def _required(total: int) -> int:
    return required_sessions(_DefaultRules, total)  # type: ignore[arg-type]


def _recorded(at: datetime, now: datetime) -> datetime:
    """Nothing is recorded after "now" (a session that started this morning, an import not made yet)."""
    return min(at, now)


def _attended_plan(rng: random.Random, completed: bool, past: int, needed: int) -> list[bool]:
    """Which of a person's past sessions they attended (present or late), in time order.

    Completed: at least ``needed`` (the completion rule), a miss or two only where the rule allows.
    Enrolled: most sessions, but never ``needed`` of them (else completion would have made the
    enrolment completed): so someone still "enrolled" after the last session fell short.
    """
    if completed:
        misses = 0
        while misses < past - needed and rng.random() < ATTENDANCE_MISS_RATE:
            misses += 1
        attended = [True] * past
        for k in rng.sample(range(past), misses):
            attended[k] = False
        return attended
    attended = [rng.random() < ENROLLED_ATTEND_RATE for _ in range(past)]
    excess = sum(attended) - (needed - 1)
    if excess > 0:
        for k in rng.sample([k for k, a in enumerate(attended) if a], excess):
            attended[k] = False
    return attended


def _online_minutes(rng: random.Random, status: str, length: int) -> int:
    """Minutes online inside the session (as the import clips them): present from the import's
    share of the session (75% by default), partial below it."""
    floor = -(-ONLINE_PRESENT_SHARE * length // 100)
    if status == "present":
        return length - int(rng.random() ** 3 * (length - floor))  # most stay to the end
    return rng.randint(min(5, floor - 1), floor - 1)


def _attendance_rows(ctx: ScaleContext, places: dict[tuple[int, int], tuple[int, str]],
                     issued: list[tuple[int, datetime]], statuses: Counter, sources: Counter) -> Iterator[dict]:
    """One row per place holder per started session, workshop by workshop, session by session.

    How a session is recorded follows the app: the trainer's roll call (everyone present, then the
    exceptions) a few minutes in; QR self check-in in some in-room sessions (source "qr",
    ``checked_in_at`` the scan, ``recorded_by`` the person, as lga.attendance.checkin does); a
    Zoom or Teams report imported after the end for the people who followed online (minutes
    clipped to the session, present from 75%, else partial; imported by a trainer on the web or
    with ``flask lga import-attendance``, which records no one). Excused and absent people online
    are marked in the roll call. Appends (enrolment id, issued_at) of each completed enrolment to
    ``issued``: the certificate comes with the record that met the rule.
    """
    rng = ctx.rng
    now = ctx.now
    pick_platform = weighted(rng, ONLINE_PLATFORM_WEIGHTS)
    pick_missed = weighted(rng, MISSED_STATUS_WEIGHTS)
    for plan in ctx.workshops:
        sessions = [(sid, *ctx.session_times[sid]) for sid in ctx.sessions.get(plan["id"], [])]
        past = [s for s in sessions if s[1] <= now]
        holders = ctx.participants.get(plan["id"], [])
        if not past or not holders:
            continue
        needed = _required(len(sessions))
        mode = plan["mode"]
        platform = pick_platform() if mode != "in_person" else None
        trainers = plan["trainers"]
        recording = []  # per session: how and when it was recorded
        for session_id, starts, ends, trainer in past:
            recorder = trainer if trainer is not None else (rng.choice(trainers) if trainers else None)
            recording.append({
                "id": session_id, "starts": starts, "ends": ends, "recorder": recorder,
                "length": max(1, int((ends - starts).total_seconds() // 60)),
                "qr": mode != "virtual" and rng.random() < QR_SESSION_SHARE,
                "roll_call_at": starts + timedelta(minutes=rng.randint(3, 20), seconds=rng.randrange(60)),
                "import_at": ends + timedelta(minutes=rng.randint(10, 36 * 60), seconds=rng.randrange(60)),
                "import_by": None if rng.random() < CLI_IMPORT_SHARE else recorder,
                "over": ends <= now,
            })
        per_person: list[list[dict]] = []
        for person in holders:
            enrolment_id, enrolment_status = places[(plan["id"], person)]
            completed = enrolment_status == "completed"
            remote = mode == "virtual" or (mode == "hybrid" and rng.random() < HYBRID_REMOTE_SHARE)
            attended = _attended_plan(rng, completed, len(past), needed)
            rows = []
            for session, came in zip(recording, attended):
                starts = session["starts"]
                if came:
                    status = "late" if not remote and rng.random() < LATE_RATE else "present"
                else:
                    status = pick_missed()
                source, minutes, checked_in, recorded_by = "roll_call", None, None, session["recorder"]
                updated = session["roll_call_at"]
                if remote and session["over"] and status in ("present", "partial"):
                    source, recorded_by, updated = platform, session["import_by"], session["import_at"]
                    minutes = _online_minutes(rng, status, session["length"])
                elif status in ("present", "late") and not remote and session["qr"] and rng.random() < QR_SCAN_RATE:
                    source, recorded_by = "qr", person
                    if status == "present":  # from the screen going up to LATE_AFTER past the start
                        checked_in = starts + timedelta(seconds=rng.randint(-600, LATE_AFTER_SECONDS - 1))
                    else:
                        checked_in = starts + timedelta(seconds=rng.randint(LATE_AFTER_SECONDS, 3600))
                    updated = checked_in
                elif status in ("present", "late", "partial"):
                    # Marked present in the roll call (check-in time kept), then corrected.
                    checked_in = session["roll_call_at"]
                    if status == "late":
                        updated = checked_in + timedelta(minutes=rng.randint(10, 45))
                    elif status == "partial":
                        updated = min(session["ends"], checked_in + timedelta(minutes=rng.randint(30, 240)))
                elif status == "excused" and rng.random() < 0.6:  # called in before the session
                    updated = starts - timedelta(minutes=rng.randint(30, 3 * 24 * 60))
                rows.append({
                    "session_id": session["id"],
                    "user_id": person,
                    "status": status,
                    "source": source,
                    "minutes_online": minutes,
                    "checked_in_at": _recorded(checked_in, now) if checked_in else None,
                    "note": None,
                    "checkin_ticket": None,
                    "recorded_by_id": recorded_by,
                    "updated_at": _recorded(updated, now),
                })
            if completed:
                # Issued by the write that met the rule: the needed-th attended record, in time order.
                times = sorted(row["updated_at"] for row in rows if row["status"] in ATTENDED)
                issued.append((enrolment_id, times[needed - 1] if len(times) >= needed else times[-1]))
            per_person.append(rows)
        for k in range(len(recording)):
            for rows in per_person:
                row = rows[k]
                statuses[row["status"]] += 1
                sources[row["source"]] += 1
                yield row


def _certificate_rows(ctx: ScaleContext, issued: list[tuple[int, datetime]]) -> Iterator[dict]:
    """A certificate per completed enrolment, with codes like the app's (12 characters of
    ``certificates.ALPHABET`` as XXXX-XXXX-XXXX) drawn from the seed, unique."""
    rng = ctx.rng
    taken = set(db.session.scalars(select(Certificate.code)))
    for enrolment_id, issued_at in issued:
        while True:
            bits = rng.getrandbits(60)
            raw = "".join(CODE_ALPHABET[(bits >> (5 * i)) & 31] for i in range(12))
            code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
            if code not in taken:
                break
        taken.add(code)
        yield {"code": code, "enrolment_id": enrolment_id, "issued_at": issued_at}


def generate_attendance(ctx: ScaleContext) -> None:
    """attendance + certificate: one row per place holder (``ctx.participants``: workshop id ->
    the people with a completed or enrolled enrolment) per session of theirs that has started
    (``ctx.sessions``, ``ctx.session_times``), and a certificate per completed enrolment.

    Consistent with the enrolments and the completion rule (lga.attendance.completion, 80% of
    the sessions present or late): "completed" people attended at least that share, the odd
    miss only where the rule leaves room; "enrolled" people with sessions behind them never
    reached it. In person: the roll call, with QR check-in in some sessions and a few late;
    online (virtual, and the remote part of a hybrid workshop): a Zoom or Teams report per
    session (one platform per workshop) with minutes; missed sessions excused, partly attended
    or absent. Rows stream from a generator through :func:`bulk_insert`.

    About TARGETS["attendance"] (1,000,000) rows at scale 1: they follow from the data before them
    (~150,000 place holders x their started sessions, 3-5 a workshop day). The count, and any
    shortfall against the target, are echoed.
    """
    now = ctx.now
    started = [plan["id"] for plan in ctx.workshops
               if any(ctx.session_times[sid][0] <= now for sid in ctx.sessions.get(plan["id"], []))]
    places: dict[tuple[int, int], tuple[int, str]] = {}
    for chunk in (started[i:i + 1000] for i in range(0, len(started), 1000)):
        for enrolment_id, workshop_id, user_id, status in db.session.execute(
                select(Enrolment.id, Enrolment.workshop_id, Enrolment.user_id, Enrolment.status)
                .where(Enrolment.workshop_id.in_(chunk), Enrolment.status.in_(HOLDS_PLACE))):
            places[(workshop_id, user_id)] = (enrolment_id, status)
    expected = sum(len(ctx.participants.get(w, ())) * sum(
        1 for sid in ctx.sessions.get(w, []) if ctx.session_times[sid][0] <= now) for w in started)
    issued: list[tuple[int, datetime]] = []
    statuses: Counter = Counter()
    sources: Counter = Counter()
    bulk_insert(Attendance.__table__, _attendance_rows(ctx, places, issued, statuses, sources),
                echo=ctx.echo, label="attendance", total=expected, copy=True)
    ctx.counts["attendance"] = sum(statuses.values())
    for status in STATUSES_OF_ATTENDANCE:
        ctx.counts[f"  {status}"] = statuses.get(status, 0)
    for source in ATTENDANCE_SOURCES:
        ctx.counts[f"  by {source}"] = sources.get(source, 0)
    bulk_insert(Certificate.__table__, _certificate_rows(ctx, issued), echo=ctx.echo, label="certificates",
                total=len(issued), copy=True)
    ctx.counts["certificates"] = len(issued)
    target = ctx.targets["attendance"]
    if abs(ctx.counts["attendance"] - target) > target * 0.1:
        ctx.echo(f"  attendance: {ctx.counts['attendance']:,} rows, not the {target:,} planned: that is what "
                 "the place holders and their started sessions add up to.")


def generate_participation_summary(ctx: ScaleContext) -> None:
    """participation_day: the summary the outreach reports read, which the ORM keeps in step
    with every change but which bulk inserts go around: computed again from the rows above."""
    from lga.attendance.participation import rebuild

    ctx.counts["participation summary"] = rebuild(db.session)
    db.session.commit()
    ctx.echo(f"  participation summary: {ctx.counts['participation summary']:,} rows")


STEPS: tuple[Callable[[ScaleContext], None], ...] = (
    generate_people, generate_workshops, generate_sessions, generate_enrolments, generate_attendance,
    generate_participation_summary,
)


# --- entry point -----------------------------------------------------------------------------

def scaled_targets(scale: float) -> dict[str, int]:
    """TARGETS times ``scale`` (at least one of each), e.g. 0.01 for a quick run in tests."""
    if not 0 < scale <= 1:
        raise ValueError("scale must be in (0, 1]")
    return {name: max(1, round(n * scale)) for name, n in TARGETS.items()}


def _load_context(seed: int, echo: Echo, today: date | None, scale: float) -> ScaleContext:
    municipalities = db.session.execute(
        select(Municipality.code, Municipality.id, Municipality.name_sq, Municipality.name_sr)
        .where(Municipality.is_active.is_(True))).all()
    types = dict(db.session.execute(
        select(InstitutionType.code, InstitutionType.id).where(InstitutionType.is_active.is_(True))).tuples().all())
    programmes = dict(db.session.execute(select(Programme.code, Programme.id)).tuples().all())
    modules = [dict(row._mapping) for row in db.session.execute(
        select(Module.id, Module.code, Module.programme_id, Module.title, Module.summary)
        .where(Module.is_active.is_(True)).order_by(Module.code))]
    if not municipalities or not types or not programmes:
        raise ScaleError("reference data is missing: run `flask lga seed-reference` first")
    if not modules:
        raise ScaleError("no modules in the database: run `flask lga load-modules` first")
    plans: dict[int, list[dict]] = {m["id"]: [] for m in modules}
    for row in db.session.execute(
            select(SessionPlanItem.module_id, SessionPlanItem.format, SessionPlanItem.title)
            .where(SessionPlanItem.module_id.in_(list(plans)))
            .order_by(SessionPlanItem.module_id, SessionPlanItem.position)):
        plans[row.module_id].append({"format": row.format, "title": row.title})
    for module in modules:
        module["plan"] = plans[module["id"]]
    if today is None:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        today = now.astimezone(KOSOVO).date()
    else:
        now = local_to_utc(today, 12 * 60)
    return ScaleContext(
        rng=random.Random(seed), today=today, now=now, echo=echo, targets=scaled_targets(scale),
        password_hash=hash_password(DEMO_PASSWORD),
        municipalities={m.code: m.id for m in municipalities},
        municipality_names={m.code: (m.name_sq, m.name_sr) for m in municipalities},
        institution_types=types, programmes=programmes, modules=modules,
    )


def generate(seed: int, echo: Echo = print, today: date | None = None, scale: float = 1.0) -> dict[str, int]:
    """Fill the database with large demo data in one transaction; a no-op if it is there.

    ``today`` pins the dates (noon in Kosovo is "now"); ``scale`` shrinks every target (tests).
    Returns the counts of what was created (empty when nothing was done).
    """
    existing = generated_accounts()
    if existing:
        echo(f"Large demo data is already there ({existing:,} accounts @*.{EMAIL_DOMAIN}); nothing to do.")
        return {}
    started = clock.perf_counter()
    echo(f"Generating large demo data (seed {seed}, batches of {BATCH_SIZE:,})…")
    ctx = _load_context(seed, echo, today, scale)
    try:
        for step in STEPS:
            step(ctx)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    # Fresh statistics for the query planner: without them SQLite joins a million attendance
    # records in a poor order (PostgreSQL's autovacuum would get there, later).
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    elapsed = clock.perf_counter() - started
    echo(f"Large demo data created in {elapsed:.1f} s:")
    for name, count in ctx.counts.items():
        echo(f"  {name:<20} {count:>9,}")
    totals = {
        "accounts in total": db.session.scalar(select(func.count()).select_from(User)),
        "workshops in total": db.session.scalar(select(func.count()).select_from(Workshop)),
        "sessions in total": db.session.scalar(select(func.count()).select_from(WorkshopSession)),
        "enrolments in total": db.session.scalar(select(func.count()).select_from(Enrolment)),
        "attendance in total": db.session.scalar(select(func.count()).select_from(Attendance)),
        "certificates in total": db.session.scalar(select(func.count()).select_from(Certificate)),
    }
    for name, count in totals.items():
        echo(f"  {name:<20} {count:>9,}")
    return dict(ctx.counts)
