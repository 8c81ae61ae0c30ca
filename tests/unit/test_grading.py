"""Grading every question type against its key, without a database."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lga.quizzes.grading import fold, grade, max_fraction, parse_number, right_answers

SINGLE = {"choices": [{"id": 1, "text": {"sq": "Granti i Veçantë"}, "fraction": 1.0, "feedback": {"sq": "Po"}},
                      {"id": 2, "text": {"sq": "Granti i Përgjithshëm"}, "fraction": 0.0, "feedback": {"sq": "Jo"}},
                      {"id": 3, "text": {"sq": "Gjysmë"}, "fraction": 0.5, "feedback": {}}]}
MULTI = {"choices": [{"id": 1, "text": {}, "fraction": 0.5, "feedback": {}},
                     {"id": 2, "text": {}, "fraction": 0.5, "feedback": {}},
                     {"id": 3, "text": {}, "fraction": -0.5, "feedback": {}},
                     {"id": 4, "text": {}, "fraction": -1.0, "feedback": {}}]}
SHORT = {"answers": [{"id": 1, "text": "Asociacioni i Komunave të Kosovës", "fraction": 1.0, "feedback": {}},
                     {"id": 2, "text": "AKK", "fraction": 1.0, "feedback": {}},
                     {"id": 3, "text": "Asociacion*", "fraction": 0.5, "feedback": {}}],
         "case_sensitive": False, "ignore_diacritics": True}
NUMERICAL = {"answers": [{"id": 1, "value": 2021, "tolerance": 0, "fraction": 1.0, "feedback": {}},
                         {"id": 2, "value": 2020, "tolerance": 1.5, "fraction": 0.5, "feedback": {}}]}
MATCHING = {"pairs": [{"id": 1, "left": {"sq": "MPMS"}, "right": {"sq": "Ministria"}},
                      {"id": 2, "left": {"sq": "AKK"}, "right": {"sq": "Asociacioni"}},
                      {"id": 3, "left": {"sq": "QPS"}, "right": {"sq": "Qendra"}},
                      {"id": 4, "left": {}, "right": {"sq": "Kuvendi"}}]}


def test_single_choice_scores_the_pick_and_gives_its_feedback():
    assert grade("single", SINGLE, {"choice": 1}).fraction == 1.0
    assert grade("single", SINGLE, {"choice": 3}).fraction == 0.5
    wrong = grade("single", SINGLE, {"choice": 2})
    assert wrong.fraction == 0.0 and wrong.feedback == [{"sq": "Jo"}] and wrong.picked == [2]
    assert grade("single", SINGLE, {"choice": 99}).fraction == 0.0  # not a choice of this question
    assert grade("single", SINGLE, {}).fraction == 0.0


def test_multiple_response_gives_partial_credit_and_penalises_wrong_picks():
    assert grade("multi", MULTI, {"choices": [1, 2]}).fraction == 1.0
    assert grade("multi", MULTI, {"choices": [1]}).fraction == 0.5
    assert grade("multi", MULTI, {"choices": [1, 2, 3]}).fraction == 0.5
    assert grade("multi", MULTI, {"choices": [1, 4]}).fraction == 0.0  # never below zero
    assert grade("multi", MULTI, {"choices": [1, 1, 1]}).fraction == 0.5  # a pick counts once
    assert grade("multi", MULTI, {"choices": "1,2"}).fraction == 0.0


def test_true_false():
    key = {"correct": True, "feedback_true": {"en": "Right"}, "feedback_false": {"en": "No: it is true"}}
    assert grade("truefalse", key, {"value": True}).fraction == 1.0
    outcome = grade("truefalse", key, {"value": False})
    assert outcome.fraction == 0.0 and outcome.feedback == [{"en": "No: it is true"}]
    assert grade("truefalse", key, {"value": "true"}).fraction == 0.0


def test_short_answer_ignores_case_spaces_and_diacritics_unless_told_otherwise():
    assert grade("short", SHORT, {"text": "  asociacioni i komunave te  kosoves "}).fraction == 1.0
    assert grade("short", SHORT, {"text": "akk"}).fraction == 1.0
    assert grade("short", SHORT, {"text": "Asociacioni"}).fraction == 0.5  # wildcard answer
    assert grade("short", SHORT, {"text": "MPMS"}).fraction == 0.0
    strict = dict(SHORT, case_sensitive=True, ignore_diacritics=False)
    assert grade("short", strict, {"text": "akk"}).fraction == 0.0
    assert grade("short", strict, {"text": "Asociacioni i Komunave te Kosoves"}).fraction == 0.5  # only *
    assert grade("short", SHORT, {"text": "AKK"}).response_text == "akk"


def test_numerical_with_tolerance_and_decimal_comma():
    assert grade("numerical", NUMERICAL, {"value": "2021"}).fraction == 1.0
    assert grade("numerical", NUMERICAL, {"value": "2019,5"}).fraction == 0.5
    assert grade("numerical", NUMERICAL, {"value": "2018"}).fraction == 0.0
    assert grade("numerical", NUMERICAL, {"value": "njëzet"}).fraction == 0.0
    assert grade("numerical", NUMERICAL, {"value": "nan"}).fraction == 0.0
    assert parse_number("−3,5") == -3.5 and parse_number("1 000") == 1000


def test_matching_scores_the_share_of_right_pairs():
    assert grade("matching", MATCHING, {"pairs": {"1": 1, "2": 2, "3": 3}}).fraction == 1.0
    assert abs(grade("matching", MATCHING, {"pairs": {"1": 1, "2": 4, "3": 2}}).fraction - 1 / 3) < 1e-6
    assert grade("matching", MATCHING, {"pairs": []}).fraction == 0.0


def test_max_fraction_and_right_answers():
    assert max_fraction("multi", MULTI) == 1.0 and max_fraction("single", SINGLE) == 1.0
    assert right_answers("single", SINGLE) == {"choices": [1, 3]}
    assert [a["id"] for a in right_answers("short", SHORT)["answers"]] == [1, 2]


def test_fold():
    assert fold("Đorđević  Çeku") == "djordjevic ceku"


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(qtype=st.sampled_from(["single", "multi", "truefalse", "short", "numerical", "matching"]),
       response=st.dictionaries(st.sampled_from(["choice", "choices", "value", "text", "pairs"]),
                                st.one_of(st.integers(), st.text(max_size=40), st.booleans(), st.none(),
                                          st.lists(st.integers(0, 5), max_size=6),
                                          st.dictionaries(st.text(max_size=3), st.integers(), max_size=4))))
def test_any_response_scores_between_zero_and_one(qtype, response):
    key = {"single": SINGLE, "multi": MULTI, "truefalse": {"correct": False}, "short": SHORT,
           "numerical": NUMERICAL, "matching": MATCHING}[qtype]
    assert 0.0 <= grade(qtype, key, response).fraction <= 1.0
