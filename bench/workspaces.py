"""Workspaces to measure on: a synthetic one of any size, and the real GC inventory.

The synthetic workspace is shaped like real ones: journeys are chains of
steps in stages; agencies work in clusters (a journey mostly involves the
agencies of one cluster), consecutive steps are often owned by the same
agency, some steps have no owner and some have a supporting agency. It is
written through the `journeys` API, as a person's edits would be, in one
transaction, from a fixed random seed: the same arguments always give the
same workspace.
"""

import logging
import random
from pathlib import Path

from journeys import agencies, maps, personas, stages
from journeys.access import SYSTEM, Actor
from journeys.importers import import_file
from journeys.models import CHANNELS, Agency, Journey, Persona, Stage, Step
from journeys.workspace import Workspace

logger = logging.getLogger(__name__)

GC_INVENTORY = (
    Path(__file__).resolve().parent.parent
    / "journeys"
    / "sources"
    / "gc_service_inventory_2023-24_en.csv"
)
CHANNEL_WEIGHTS = {
    "online": 50,
    "phone": 15,
    "in person": 12,
    "post": 8,
    "app": 5,
    "email": 7,
    "other": 3,
}


def build_synthetic(
    ws: Workspace,
    *,
    steps: int,
    journeys: int,
    agency_count: int,
    persona_count: int = 40,
    cluster_size: int = 10,
    seed: int = 4,
    actor: Actor = SYSTEM,
) -> None:
    """Fill an empty workspace with ``steps`` steps over ``journeys`` journeys
    owned by ``agency_count`` agencies (see the module docstring)."""
    rng = random.Random(seed)
    channels = list(CHANNELS)
    weights = [CHANNEL_WEIGHTS[c] for c in channels]
    with ws.transaction():
        agency_ids = [
            agencies.create_agency(
                ws,
                actor,
                Agency(
                    f"Synthetic agency {n:03d}",
                    kind=("government", "community", "partner")[n % 3],
                ),
            )
            for n in range(1, agency_count + 1)
        ]
        clusters = [
            agency_ids[i : i + cluster_size]
            for i in range(0, len(agency_ids), cluster_size)
        ]
        persona_ids = [
            personas.create_persona(ws, actor, Persona(f"Synthetic persona {n:02d}"))
            for n in range(1, persona_count + 1)
        ]
        sizes = [
            steps // journeys + (1 if n < steps % journeys else 0)
            for n in range(journeys)
        ]
        rng.shuffle(sizes)
        for number, size in enumerate(sizes, start=1):
            journey_id = maps.create_journey(
                ws, actor, Journey(f"Synthetic journey {number:03d}")
            )
            for persona_id in rng.sample(persona_ids, rng.randint(1, 3)):
                maps.link_persona(ws, actor, journey_id, persona_id)
            home = rng.choice(clusters)
            stage_count = min(size, rng.randint(3, 5))
            cuts = (
                sorted(rng.sample(range(1, size), stage_count - 1)) if size > 1 else []
            )
            bounds = [0, *cuts, size]
            owner = rng.choice(home)
            for stage_number in range(stage_count):
                stage_id = maps.add_stage(
                    ws, actor, journey_id, Stage(f"Stage {stage_number + 1}")
                )
                for _ in range(bounds[stage_number + 1] - bounds[stage_number]):
                    if rng.random() < 0.5:
                        pool = home if rng.random() < 0.8 else agency_ids
                        owner = rng.choice(pool)
                    step_id = maps.add_step(
                        ws,
                        actor,
                        stage_id,
                        Step(
                            f"Step {rng.randint(1, 999)}",
                            channel=rng.choices(channels, weights)[0],
                            owning_agency_id=None if rng.random() < 0.08 else owner,
                        ),
                    )
                    if rng.random() < 0.1:
                        stages.set_supporting_agencies(
                            ws, actor, step_id, [rng.choice(home)]
                        )
    logger.info(
        "synthetic workspace: %d steps, %d journeys, %d agencies",
        steps,
        journeys,
        agency_count,
    )


def import_gc_inventory(ws: Workspace, actor: Actor = SYSTEM):
    """Import the whole Government of Canada service inventory; its result."""
    return import_file(ws, actor, "gc-service-inventory", GC_INVENTORY)
