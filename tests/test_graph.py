"""Owning-agency chains, gaps and handoffs (journeys.graph), on hand-built maps."""

import pytest

from journeys import graph
from journeys.maps import JourneyMap

AGENCY_IDS = {"DVLA": 1, "DVSA": 2, "DWP": 3}


def journey_map(title: str, stages: list[list[str | None]]) -> JourneyMap:
    """A map whose stages hold steps owned by the named agencies (None: nobody)."""
    stage_rows, steps_by_stage = [], {}
    step_id = 0
    for position, owners in enumerate(stages, start=1):
        stage_id = 100 + position
        stage_rows.append({"id": stage_id, "name": f"Stage {position}"})
        steps_by_stage[stage_id] = []
        for step_position, owner in enumerate(owners, start=1):
            step_id += 1
            steps_by_stage[stage_id].append(
                {
                    "id": step_id,
                    "stage_name": f"Stage {position}",
                    "stage_position": position,
                    "position": step_position,
                    "action": f"Step {step_id}",
                    "owning_agency_id": AGENCY_IDS.get(owner),
                    "owning_agency_name": owner,
                }
            )
    return JourneyMap({"id": 1, "title": title}, stage_rows, steps_by_stage, [])


DRIVING = journey_map(
    "Learn to drive",
    [["DVLA", "DVLA"], [None, "DVSA"], ["DVSA", None, "DVLA"]],
)


def test_chain_merges_consecutive_steps_of_one_owner():
    chain = graph.owner_chain(DRIVING)

    assert [(link.agency, link.step_count) for link in chain] == [
        ("DVLA", 2),
        (graph.NO_OWNER, 1),
        ("DVSA", 2),
        (graph.NO_OWNER, 1),
        ("DVLA", 1),
    ]
    assert chain[0] == graph.ChainLink(1, "DVLA", "1.1 Step 1", "1.2 Step 2", 2)
    assert [link.position for link in chain] == [1, 2, 3, 4, 5]


def test_unowned_steps_are_listed_in_journey_order():
    assert [graph.step_label(s) for s in graph.unowned_steps(DRIVING)] == [
        "2.1 Step 3",
        "3.2 Step 6",
    ]


def test_handoffs_skip_steps_nobody_owns():
    assert graph.handoffs(DRIVING) == [
        graph.Handoff("DVLA", "DVSA", "2.2 Step 4"),
        graph.Handoff("DVSA", "DVLA", "3.3 Step 7"),
    ]


def test_agency_graph_counts_handoffs_and_steps_across_journeys():
    renewal = journey_map("Renew a licence", [["DVLA"], ["DVSA"]])

    agencies = graph.agency_graph([DRIVING, renewal])

    assert dict(agencies.nodes(data="steps")) == {"DVLA": 4, "DVSA": 3}
    assert graph.handoff_summary(agencies) == [
        {
            "from_agency": "DVLA",
            "to_agency": "DVSA",
            "handoffs": 2,
            "journeys": ["Learn to drive", "Renew a licence"],
        },
        {
            "from_agency": "DVSA",
            "to_agency": "DVLA",
            "handoffs": 1,
            "journeys": ["Learn to drive"],
        },
    ]


@pytest.mark.parametrize(
    ("stages", "chain_length", "gaps"),
    [
        ([], 0, 0),  # no steps at all
        ([[None, None]], 1, 2),  # nobody owns anything: one gap link
        ([["DWP"]], 1, 0),
    ],
)
def test_small_journeys(stages, chain_length, gaps):
    small = journey_map("Small", stages)
    assert len(graph.owner_chain(small)) == chain_length
    assert len(graph.unowned_steps(small)) == gaps
    assert graph.handoffs(small) == []
