"""The KPI part of the demo workspace: the online tax return seed journey and
shared goals on the real measurements the demo imports.

The tax return's figures are the seed scenario of the team's data notes
(``SOURCES.md``, "The seed scenario's own figures"): 1,000 people start
"Personal information", 980 start "Income details", 950 "Document upload",
700 "Review and submit", and 680 submit. The notes give no dates: the
measurements are put in January 2026 (the month UK online tax returns are
due) and say so in their label.

The goals use the files `journeys.demo` imports; their targets are the
demo's choice, stated in each goal's description.
"""

import logging

from journeys import goals, kpis, maps, metrics
from journeys.access import Actor
from journeys.models import Goal, Journey, Measurement, Stage, Step
from journeys.workspace import Workspace
from storage import measures, queries

logger = logging.getLogger(__name__)

TAX_RETURN = "File an online tax return"
TAX_SOURCE = (
    "Seed scenario of the team's data notes (shared data SOURCES.md, "
    "'The seed scenario's own figures')"
)
TAX_PERIOD = ("2026-01-01", "2026-01-31")
# (stage, step in it, people who started the stage)
TAX_STAGES = (
    ("Personal information", "Enter your name, address and tax reference", 1000),
    ("Income details", "Enter employment and other income", 980),
    ("Document upload", "Upload supporting documents", 950),
    ("Review and submit", "Check your answers and submit the return", 700),
    ("Submitted", "See the confirmation and your reference", 680),
)


def add_seed_journey(ws: Workspace, actor: Actor) -> int:
    """Add the online tax return journey with its five stages, one step each,
    and users reaching each stage; return the journey's id."""
    kpi_ids = metrics.ensure_standard_kpis(ws, actor)
    journey_id = maps.create_journey(
        ws,
        actor,
        Journey(
            title=TAX_RETURN,
            description="An online tax return from first screen to confirmation: "
            "where do people give up?",
            source=TAX_SOURCE,
        ),
    )
    label = f"{TAX_SOURCE}; the period is illustrative"
    step_ids = []
    for stage_name, action, users in TAX_STAGES:
        stage_id = maps.add_stage(ws, actor, journey_id, Stage(stage_name))
        kpi_list = []
        if stage_name == "Document upload":
            kpi_list = [kpi_ids["stage_abandonment"]]
        elif stage_name == "Review and submit":
            kpi_list = [kpi_ids["completion_rate"]]
        step_ids.append(
            maps.add_step(ws, actor, stage_id, Step(action, "online", kpi_ids=kpi_list))
        )
        metrics.add_measurement(
            ws,
            actor,
            Measurement(
                kpi_ids["users_at_stage"],
                *TAX_PERIOD,
                users,
                journey_id=journey_id,
                stage_id=stage_id,
                label=label,
            ),
        )
    started, completed = TAX_STAGES[0][2], TAX_STAGES[-1][2]
    rate = kpis.completion_rate(started, completed)
    metrics.add_measurement(
        ws,
        actor,
        Measurement(
            kpi_ids["completion_rate"],
            *TAX_PERIOD,
            rate.value,
            journey_id=journey_id,
            step_id=step_ids[3],
            numerator=rate.numerator,
            denominator=rate.denominator,
            label=label,
        ),
    )
    return journey_id


def _agency(ws: Workspace, name: str) -> int | None:
    return queries.find_agency_id(ws.db, name)


def add_demo_goals(ws: Workspace, actor: Actor) -> list[int]:
    """Shared goals on the demo's measurements; returns their ids."""
    kpi = {key: row["id"] for key, row in measures.kpis_by_key(ws.db).items()}
    carers = maps.find_journey(ws, "Apply for Carer's Allowance")
    tax = maps.find_journey(ws, TAX_RETURN)
    upload = next(
        s["id"]
        for s in queries.journey_stages(ws.db, tax)
        if s["name"] == "Document upload"
    )
    steps = {s["action"]: s["id"] for s in queries.journey_steps(ws.db, tax)}
    dwp = _agency(ws, "Department for Work and Pensions")
    va = _agency(ws, "Department of Veterans Affairs")
    sanitation = _agency(ws, "Los Angeles Bureau of Sanitation")
    beautification = _agency(ws, "Los Angeles Office of Community Beautification")
    esdc = _agency(ws, "Employment and Social Development Canada")
    # The two departments with the most published standards contribute.
    innovation = _agency(ws, "Innovation, Science and Economic Development Canada")
    transport = _agency(ws, "Transport Canada")
    # The service manual's target formula, with the first rolling year of the
    # Companies House annual return as "current": A = £5.20, B = £2.52,
    # X = 96.55% take-up, and a take-up goal Y of 98%.
    cpt_goal = kpis.cpt_target(5.20, 2.52, 2184914 / 2262898, 0.98)
    specs = [
        (
            Goal(
                "Fewer people give up on their tax return at document upload",
                "Document upload loses a quarter of the people who reach it. "
                "Target chosen for the demo.",
                journey_id=tax,
            ),
            [
                goals.GoalKpi(
                    kpi["stage_abandonment"],
                    0.10,
                    "down",
                    deadline="2027-01-31",
                    journey_id=tax,
                    stage_id=upload,
                ),
                goals.GoalKpi(
                    kpi["completion_rate"],
                    0.80,
                    "up",
                    deadline="2027-01-31",
                    journey_id=tax,
                ),
            ],
            {"step_ids": [steps["Upload supporting documents"]]},
        ),
        (
            Goal(
                "More Carer's Allowance claims made online",
                "Digital take-up of new claims, week by week (Performance "
                "Platform). Target chosen for the demo.",
                owner_agency_id=dwp,
                journey_id=carers,
            ),
            [
                goals.GoalKpi(
                    kpi["digital_take_up"],
                    0.40,
                    "up",
                    deadline="2013-12-31",
                    journey_id=carers,
                ),
                goals.GoalKpi(
                    kpi["user_satisfaction"],
                    0.85,
                    "up",
                    deadline="2014-06-30",
                    journey_id=carers,
                ),
            ],
            {},
        ),
        (
            Goal(
                "Cheaper annual returns through digital take-up",
                "Companies House annual returns (Transactions Explorer "
                "'bis-annual-returns'). Target from the service manual's formula "
                f"for a 98% take-up goal: £{cpt_goal:.2f}.",
            ),
            [
                goals.GoalKpi(
                    kpi["cost_per_transaction"],
                    cpt_goal,
                    "down",
                    deadline="2013-09-30",
                    segment="bis-annual-returns",
                ),
            ],
            {},
        ),
        (
            Goal(
                "Veterans trust VA health care",
                "A-11 scores of the Veterans Health Administration "
                "(performance.gov). Targets chosen for the demo.",
                owner_agency_id=va,
            ),
            [
                goals.GoalKpi(
                    kpi["a11_trust"],
                    4.7,
                    "up",
                    deadline="2020-03-31",
                    agency_id=va,
                ),
                goals.GoalKpi(
                    kpi["a11_satisfaction"],
                    4.6,
                    "up",
                    deadline="2020-03-31",
                    agency_id=va,
                ),
            ],
            {},
        ),
        (
            Goal(
                "Canadians served within the published service standards",
                "Requests handled within the standard, all departments together "
                "(Government of Canada service standards 2023-24). Target chosen "
                "for the demo.",
                owner_agency_id=esdc,
            ),
            [
                goals.GoalKpi(
                    kpi["service_standard_performance"],
                    0.80,
                    "up",
                    deadline="2024-03-31",
                ),
                goals.GoalKpi(
                    kpi["service_standard_performance"],
                    0.80,
                    "up",
                    deadline="2024-03-31",
                    agency_id=esdc,
                ),
            ],
            {"agency_ids": [a for a in (innovation, transport) if a]},
        ),
        (
            Goal(
                "Los Angeles clears reported dumping and graffiti fast",
                "MyLA311 requests created 1-2 January 2020. Targets chosen for "
                "the demo.",
                owner_agency_id=sanitation,
            ),
            [
                goals.GoalKpi(
                    kpi["request_handling_time"],
                    3.0,
                    "down",
                    deadline="2020-01-31",
                    agency_id=sanitation,
                    segment="Bulky Items",
                ),
                goals.GoalKpi(
                    kpi["request_handling_time"],
                    3.0,
                    "down",
                    deadline="2020-01-31",
                    agency_id=beautification,
                    segment="Graffiti Removal",
                ),
                goals.GoalKpi(
                    kpi["digital_take_up"],
                    0.50,
                    "up",
                    deadline="2020-06-30",
                    segment="MyLA311 service requests",
                ),
            ],
            {"agency_ids": [a for a in [beautification] if a]},
        ),
    ]
    created = []
    for goal, goal_kpis, links in specs:
        created.append(goals.create_goal(ws, actor, goal, goal_kpis, **links))
    return created
