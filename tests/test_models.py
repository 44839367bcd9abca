"""Validation rules of the domain models."""

import pytest

from journeys.errors import ValidationError
from journeys.models import (
    NAME_MAX,
    Journey,
    KpiDefinition,
    Measurement,
    Persona,
    Step,
)


def test_persona_is_trimmed_and_list_fields_drop_blank_lines():
    persona = Persona(
        name="  Ashleigh ",
        access_needs="severely sight impaired (blind)\n\n  ",
        digital_confidence="4",
        evidence_date="2019-05-01",
    ).validated()
    assert persona.name == "Ashleigh"
    assert persona.access_needs == ["severely sight impaired (blind)"]
    assert persona.digital_confidence == 4


def test_every_wrong_field_is_reported_at_once():
    with pytest.raises(ValidationError) as caught:
        Persona(
            name="",
            digital_confidence=9,
            evidence_date="01/05/2019",
            summary="x" * 1_001,
        ).validated()
    assert caught.value.problems == {
        "name": "is required",
        "summary": "is 1,001 characters; the limit is 1,000",
        "digital_confidence": "must be from 1 to 5 (got 9)",
        "evidence_date": "must be a date written YYYY-MM-DD (got '01/05/2019')",
    }


def test_overlong_title_and_unknown_status_are_refused():
    with pytest.raises(ValidationError) as caught:
        Journey(title="t" * (NAME_MAX + 1), status="archived").validated()
    assert set(caught.value.problems) == {"title", "status"}


def test_step_channel_must_be_a_known_channel():
    assert (
        Step(action="Call the helpline", channel="phone").validated().channel == "phone"
    )
    with pytest.raises(ValidationError) as caught:
        Step(action="Fax us", channel="fax").validated()
    assert "channel" in caught.value.problems


def test_kpi_key_is_an_identifier():
    with pytest.raises(ValidationError) as caught:
        KpiDefinition(
            key="nps score!", name="NPS", unit="points", direction="up", formula="p - d"
        ).validated()
    assert caught.value.problems == {
        "key": "may hold only letters, digits and underscores"
    }


def test_measurement_period_must_not_end_before_it_starts():
    with pytest.raises(ValidationError) as caught:
        Measurement(
            kpi_id=1, period_start="2014-01-13", period_end="2014-01-06", value=3.0
        ).validated()
    assert caught.value.problems == {"period_end": "is before the start of the period"}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "-inf"])
def test_a_measurement_value_must_be_an_ordinary_number(value):
    with pytest.raises(ValidationError) as caught:
        Measurement(
            kpi_id=1, period_start="2014-01-06", period_end="2014-01-12", value=value
        ).validated()
    assert caught.value.problems["value"].startswith("must be an ordinary number")


@pytest.mark.parametrize("confidence", [2.5, float("nan"), "three"])
def test_a_whole_number_field_refuses_fractions_instead_of_cutting_them(confidence):
    # int(2.5) would have stored 2 without a word.
    with pytest.raises(ValidationError) as caught:
        Persona("Ada", digital_confidence=confidence).validated()
    assert caught.value.problems == {
        "digital_confidence": "must be a whole number from 1 to 5"
    }


def test_a_whole_number_field_takes_4_0_and_4_as_4():
    assert Persona("Ada", digital_confidence=4.0).validated().digital_confidence == 4
    assert Persona("Ada", digital_confidence="4").validated().digital_confidence == 4


def test_a_date_with_junk_after_it_is_refused_not_cut():
    with pytest.raises(ValidationError) as caught:
        Journey("Renew a passport", review_by="2024-01-019999").validated()
    assert caught.value.problems == {
        "review_by": "must be a date written YYYY-MM-DD (got '2024-01-019999')"
    }
    # A spreadsheet's date and time keeps its date.
    kept = Journey("Renew a passport", review_by="2024-01-01 10:30:00").validated()
    assert kept.review_by == "2024-01-01"
