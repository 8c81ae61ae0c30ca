"""The outreach dashboard in the browser: a manager filters it to SSSM in 2021, sees the charts,
downloads the Excel file and finds the figures in it; a donor sees "<5" where counts are small."""
from __future__ import annotations

import re
from datetime import date

from openpyxl import load_workbook

from lga.reports.outreach import Filters, outreach
from tests.e2e.test_workshop_journeys import log_in
from tests.integration.test_outreach import _generate


def test_manager_filters_to_sssm_2021_downloads_the_excel_and_a_donor_sees_small_counts_hidden(
        app, page, second_page, shot, db, factory, tmp_path):
    _generate(factory, db, year=2021)
    want = outreach(Filters(date(2021, 1, 1), date(2021, 12, 31), programme="SSSM"))
    assert want.participants > 0
    manager = factory.user(roles=("manager",), locale="en")
    log_in(page, manager)
    page.goto("/reports/outreach")
    page.fill("#date_from", "2021-01-01")
    page.fill("#date_to", "2021-12-31")
    page.select_option("#programme", "SSSM")
    page.locator("form.report-filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"programme=SSSM"))
    figures = page.locator("dl.figures")
    assert f"Participants{want.participants}" in figures.inner_text().replace("\n", "")
    assert page.locator("figure.chart svg").count() >= 4  # month, sex, institution, community (+ municipality)
    assert page.locator("figure.chart table").count() == page.locator("figure.chart").count()  # each with its table
    shot(page, "report-outreach-sssm-2021")
    with page.expect_download() as info:
        page.locator("a[href*='outreach.xlsx']").click()
    path = tmp_path / "outreach.xlsx"
    info.value.save_as(path)
    book = load_workbook(path, read_only=True)
    summary = {row[0]: (row[1] if len(row) > 1 else None) for row in book["Summary"].iter_rows(values_only=True)
               if row and row[0]}
    assert summary["Participants (distinct people)"] == want.participants
    assert summary["Workshops"] == want.workshops and summary["Sessions"] == want.sessions

    donor = factory.user(roles=("donor",), locale="en")
    log_in(second_page, donor)
    second_page.goto("/reports/outreach?date_from=2021-01-01&date_to=2021-12-31&programme=SSSM")
    table = second_page.locator("figure.chart", has_text="Municipality (all 38)").locator("table")
    cells = table.locator("tbody td.num").all_inner_texts()
    small = [r for r in want.by_municipality if 0 < r.participants < 5]
    assert small and "<5" in cells
    for row in small:
        assert str(row.participants) not in table.locator("tbody tr", has_text=row.label).locator("td").first.inner_text()
    assert second_page.locator("a[href*='participants.']").count() == 0  # no list of people for donors
    with second_page.expect_download() as info:  # the donor's Excel file hides small counts too
        second_page.locator("a[href*='outreach.xlsx']").click()
    masked = tmp_path / "outreach-donor.xlsx"
    info.value.save_as(masked)
    book = load_workbook(masked)
    municipalities = {row[0]: row[1] for row in book["Participation"].iter_rows(values_only=True) if row and row[0]}
    assert all(municipalities[row.label] == "<5" for row in small)
    shot(second_page, "report-outreach-donor")
