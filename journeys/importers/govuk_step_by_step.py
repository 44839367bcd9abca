"""Import GOV.UK step-by-step navigations and transaction start pages as journeys.

The file is one GOV.UK content item (as the content store serves it) or a
bundle ``{"items": {name: item, ...}}`` of them. Each item whose schema is
``step_by_step_nav`` or ``transaction`` becomes a journey; any other item is
reported as skipped.

Step by step (``details.step_by_step_nav.steps``):

* each GOV.UK step becomes a stage, in order. GOV.UK numbers its steps, except
  a step with ``"logic": "and"`` (or ``"or"``), which shows that word instead
  of a number and so shares the number of the step before it (this is how the
  GOV.UK step-by-step component renders it). The stage description starts with
  the label, "Step 3" or "Step 3 (and)", followed by the step's paragraphs;
* each link in a step's lists becomes a step: action = link text,
  touchpoint = the GOV.UK path (or the full URL off GOV.UK), touchpoint_url =
  the full URL, fee = the link's ``context`` when it is an amount of money
  (other context goes to notes);
* optional: a step is optional unless its list's style is ``"required"``. The
  component's default style (absent) and ``"choice"`` both mean optional, as
  does a step or sub-step marked ``"optional": true``;
* ownership: GOV.UK does not say which department owns a gov.uk page, so steps
  on gov.uk (and its subdomains) are left without an owner: they are the
  "steps nobody owns" for later analysis. A link to another host gets a
  partner agency named after that host (``relate.org.uk``) as its owner;
* link items without a link that are only "or"/"and"/"then" are connectors:
  no step, but the next step's notes say so.

Transaction (``schema_name: transaction``): the journey is the page's title;
its organisations (``links.organisations``) become government agencies, the
first the journey's lead agency, the others supporting agencies of the
start step; the user needs (``links.meets_user_needs``) go in the
description. Stages: "What you need" (the first list of
``details.more_information``), "Check eligibility and apply" (one step: the
transaction start link, owned by the lead agency) and "After you apply" (the
list under a heading of that name; links on the start link's host are owned
by the lead agency too). Other sections of the page are reported as skipped.
"""

import dataclasses
import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from journeys import maps, stages
from journeys.access import Actor
from journeys.errors import ImportFailed, ValidationError
from journeys.importers.common import (
    HtmlBlock,
    ImportResult,
    Source,
    check_may_import,
    describe_type,
    ensure_agency_counted,
    get_field,
    html_blocks,
    import_transaction,
    is_money,
    load_json,
    one_line,
    read_source,
    strip_html,
)
from journeys.models import Agency, Journey, Stage, Step
from journeys.workspace import Workspace

logger = logging.getLogger(__name__)

KIND = "govuk-step-by-step"
GOVUK = "https://www.gov.uk"
_TITLE_SUFFIX = re.compile(r"\s*:\s*step by step\s*$", re.IGNORECASE)
_CONNECTORS = {"or", "and", "then"}


@dataclass
class PlannedStep:
    step: Step
    owner: str | None = None  # agency name
    supporters: tuple[str, ...] = ()


@dataclass
class PlannedStage:
    stage: Stage
    steps: list[PlannedStep] = field(default_factory=list)


@dataclass
class PlannedJourney:
    """A journey read from the file, validated, not yet written."""

    item: str
    journey: Journey
    lead_agency: str | None = None
    agencies: dict[str, Agency] = field(default_factory=dict)
    stages: list[PlannedStage] = field(default_factory=list)


def import_govuk(
    ws: Workspace, actor: Actor, source: Source, name: str | None = None
) -> ImportResult:
    """Import every step by step and transaction in a GOV.UK content file.

    All or nothing: raises `ImportFailed` (naming the file and the problem)
    and writes nothing if any part of the file cannot be imported. A journey
    whose title is already in the workspace is skipped and reported.
    """
    check_may_import(actor)
    source = read_source(source, name)
    result = ImportResult(KIND, source.name)
    plans = plan_govuk(load_json(source), source.name, result)
    with import_transaction(ws, actor, source, result):
        for plan in plans:
            write_journey(ws, actor, plan, result)
    return result


def plan_govuk(data: Any, file_name: str, result: ImportResult) -> list[PlannedJourney]:
    """Read and validate every journey in the file, without writing anything."""
    plans = []
    schemas = []
    for key, item in _items(data, file_name):
        where = f"item '{key}'"
        if not isinstance(item, dict):
            raise ImportFailed(file_name, f"{where} should be an object")
        kind = _kind_of(item)
        if kind == "step_by_step":
            plans.append(_plan_step_by_step(item, where, file_name))
        elif kind == "transaction":
            plans.append(_plan_transaction(item, where, file_name, result))
        else:
            schema = item.get("schema_name") or item.get("document_type") or "unknown"
            schemas.append(str(schema))
            result.skip(
                where,
                f"its schema '{schema}' is neither a step by step nor a transaction",
            )
    if not plans:
        found = f" (found: {', '.join(schemas)})" if schemas else ""
        raise ImportFailed(
            file_name, f"holds no GOV.UK step by step or transaction{found}"
        )
    return plans


def write_journey(
    ws: Workspace, actor: Actor, plan: PlannedJourney, result: ImportResult
) -> int | None:
    """Write one planned journey; None if one with its title already exists."""
    title = plan.journey.title
    if maps.find_journey(ws, title) is not None:
        result.skip(f"journey '{title}'", "a journey with this title already exists")
        return None
    agency_ids = {
        name: ensure_agency_counted(ws, actor, agency, result)
        for name, agency in plan.agencies.items()
    }
    journey = dataclasses.replace(
        plan.journey, lead_agency_id=agency_ids.get(plan.lead_agency)
    )
    journey_id = maps.create_journey(ws, actor, journey)
    result.count("journey")
    result.names.append(title)
    for planned_stage in plan.stages:
        stage_id = maps.add_stage(ws, actor, journey_id, planned_stage.stage)
        result.count("stage")
        for planned in planned_stage.steps:
            owner = agency_ids[planned.owner] if planned.owner else None
            step = dataclasses.replace(planned.step, owning_agency_id=owner)
            step_id = maps.add_step(ws, actor, stage_id, step)
            result.count("step")
            if planned.supporters:
                stages.set_supporting_agencies(
                    ws, actor, step_id, [agency_ids[s] for s in planned.supporters]
                )
    return journey_id


# --- reading the file ---------------------------------------------------------


def _items(data: Any, file_name: str) -> list[tuple[str, Any]]:
    if not isinstance(data, dict):
        raise ImportFailed(
            file_name,
            "should hold a JSON object (a GOV.UK content item, or a bundle with "
            f"'items'), but holds {describe_type(data)}",
        )
    if "items" in data:
        items = data["items"]
        if isinstance(items, dict):
            return list(items.items())
        if isinstance(items, list):
            return [
                (_item_name(item, index), item) for index, item in enumerate(items, 1)
            ]
        raise ImportFailed(
            file_name, f"'items' should be a list, but is {describe_type(items)}"
        )
    if "schema_name" in data or "details" in data:
        return [(_item_name(data, 1), data)]
    raise ImportFailed(
        file_name,
        "is not a GOV.UK content item: it has no 'schema_name' or 'details', "
        "and no 'items' holding content items",
    )


def _item_name(item: Any, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("base_path"), str):
        return item["base_path"]
    return str(index)


def _kind_of(item: dict) -> str | None:
    details = item.get("details")
    schema = item.get("schema_name") or item.get("document_type")
    if schema == "step_by_step_nav" or (
        isinstance(details, dict) and "step_by_step_nav" in details
    ):
        return "step_by_step"
    if schema == "transaction":
        return "transaction"
    return None


def _valid(model, file_name: str, where: str):
    try:
        return model.validated()
    except ValidationError as err:
        raise ImportFailed(file_name, f"{where}: {one_line(str(err))}") from err


def _source_text(item: dict) -> str | None:
    base_path = item.get("base_path")
    content_id = item.get("content_id")
    parts = []
    if isinstance(base_path, str) and base_path:
        parts.append(GOVUK + base_path)
    if isinstance(content_id, str) and content_id:
        parts.append(f"(GOV.UK content_id {content_id})")
    return " ".join(parts) or None


def _host(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname.lower().removeprefix("www.")


def _on_govuk(host: str) -> bool:
    return host == "gov.uk" or host.endswith(".gov.uk")


def _partner(host: str, url: str) -> Agency:
    parts = urlsplit(url)
    return Agency(name=host, kind="partner", website=f"{parts.scheme}://{parts.netloc}")


def _link_step(
    text: str,
    href: str | None,
    *,
    optional: bool,
    notes: list[str],
    context: str = "",
) -> tuple[Step, str | None]:
    """A step for one GOV.UK link, and the partner host that owns it (if any)."""
    notes = list(notes)
    fee = context if is_money(context) else None
    if context and not fee:
        notes.append(f"GOV.UK note: {context}")
    channel, touchpoint, url, partner = "online", "", None, None
    if not href:
        notes.append("GOV.UK lists this without a link.")
    elif href.startswith("mailto:"):
        channel, touchpoint, url = "email", href.removeprefix("mailto:"), href
    elif href.startswith("/"):
        touchpoint, url = href, GOVUK + href
    else:
        host = _host(href)
        touchpoint, url = href, href if host else None
        if host and not _on_govuk(host):
            partner = host
    step = Step(
        action=text,
        channel=channel,
        touchpoint=touchpoint,
        touchpoint_url=url,
        optional=optional,
        fee=fee,
        notes="\n".join(notes),
    )
    return step, partner


# --- step by step -------------------------------------------------------------


def _plan_step_by_step(item: dict, where: str, file_name: str) -> PlannedJourney:
    steps = get_field(
        item, "details.step_by_step_nav.steps", list, file_name=file_name, where=where
    )
    if not steps:
        raise ImportFailed(
            file_name, f"{where}: 'details.step_by_step_nav.steps' is empty"
        )
    raw_title = item.get("title") or item["details"]["step_by_step_nav"].get("title")
    if not isinstance(raw_title, str) or not raw_title.strip():
        raise ImportFailed(file_name, f"{where}: 'title' is missing")
    title = _TITLE_SUFFIX.sub("", raw_title).strip()
    where = f"{where} ('{title}')"
    journey = Journey(
        title=title,
        description=strip_html(item.get("description")),
        source=_source_text(item),
    )
    plan = PlannedJourney(where, _valid(journey, file_name, where))
    number = 0
    for index, govuk_step in enumerate(steps, 1):
        here = f"{where}, step {index}"
        if not isinstance(govuk_step, dict):
            raise ImportFailed(file_name, f"{here} should be an object")
        name = govuk_step.get("title")
        if not isinstance(name, str) or not name.strip():
            raise ImportFailed(file_name, f"{here}: 'title' is missing")
        logic = govuk_step.get("logic")
        if logic in ("and", "or") and number:
            label = f"Step {number} ({logic})"
        else:
            number += 1
            label = f"Step {number}"
        contents = govuk_step.get("contents", [])
        if not isinstance(contents, list):
            raise ImportFailed(file_name, f"{here}: 'contents' should be a list")
        texts = [label]
        planned_steps: list[PlannedStep] = []
        _read_contents(
            contents,
            optional=bool(govuk_step.get("optional")),
            texts=texts,
            steps=planned_steps,
            plan=plan,
            file_name=file_name,
            where=f"{here} ('{name.strip()}')",
        )
        stage = Stage(name=name, description="\n\n".join(texts))
        plan.stages.append(PlannedStage(_valid(stage, file_name, here), planned_steps))
    return plan


def _read_contents(
    contents: list,
    *,
    optional: bool,
    texts: list[str],
    steps: list[PlannedStep],
    plan: PlannedJourney,
    file_name: str,
    where: str,
) -> None:
    connector = None
    for element in contents:
        if not isinstance(element, dict):
            raise ImportFailed(
                file_name, f"{where}: a content element is not an object"
            )
        kind = element.get("type")
        if kind in ("paragraph", "heading"):
            text = strip_html(element.get("text"))
            if text:
                texts.append(text)
        elif kind == "substep":
            inner = element.get("contents", [])
            if not isinstance(inner, list):
                raise ImportFailed(
                    file_name, f"{where}: a sub step's 'contents' is not a list"
                )
            _read_contents(
                inner,
                optional=optional or bool(element.get("optional")),
                texts=texts,
                steps=steps,
                plan=plan,
                file_name=file_name,
                where=where,
            )
        elif kind == "list":
            links = element.get("contents", [])
            if not isinstance(links, list):
                raise ImportFailed(
                    file_name, f"{where}: a list's 'contents' is not a list"
                )
            list_optional = optional or element.get("style") != "required"
            for link in links:
                if not isinstance(link, dict):
                    raise ImportFailed(
                        file_name, f"{where}: a list entry is not an object"
                    )
                text = strip_html(link.get("text"))
                href = link.get("href") if isinstance(link.get("href"), str) else None
                if not text:
                    continue
                if not href and text.lower() in _CONNECTORS:
                    connector = text.lower()
                    continue
                notes = (
                    [f"GOV.UK shows '{connector}' before this step."]
                    if connector
                    else []
                )
                connector = None
                step, partner = _link_step(
                    text,
                    href,
                    optional=list_optional,
                    notes=notes,
                    context=strip_html(link.get("context")),
                )
                if partner:
                    plan.agencies.setdefault(partner, _partner(partner, href))
                steps.append(
                    PlannedStep(
                        _valid(step, file_name, f"{where}, link '{_short(text)}'"),
                        partner,
                    )
                )


# --- transaction start page ---------------------------------------------------


def _plan_transaction(
    item: dict, where: str, file_name: str, result: ImportResult
) -> PlannedJourney:
    title = get_field(item, "title", str, file_name=file_name, where=where).strip()
    where = f"{where} ('{title}')"
    start = get_field(
        item, "details.transaction_start_link", str, file_name=file_name, where=where
    )
    details = item["details"]
    links = item.get("links") if isinstance(item.get("links"), dict) else {}

    organisations = [
        org
        for org in links.get("organisations") or []
        if isinstance(org, dict) and isinstance(org.get("title"), str) and org["title"]
    ]
    agencies = {}
    for org in organisations:
        base_path = org.get("base_path")
        website = GOVUK + base_path if isinstance(base_path, str) else None
        agencies[org["title"]] = Agency(org["title"], "government", website=website)
    names = list(agencies)
    lead = names[0] if names else None
    supporters = tuple(names[1:])

    description = [strip_html(item.get("description"))]
    for need in links.get("meets_user_needs") or []:
        if isinstance(need, dict) and isinstance(need.get("title"), str):
            description.append(f"User need: {need['title']}")
    if names:
        listed = ", ".join([f"{lead} (lead)", *supporters])
        description.append(f"Organisations on GOV.UK: {listed}.")
    journey = Journey(
        title=title,
        description="\n\n".join(text for text in description if text),
        source=_source_text(item),
    )
    plan = PlannedJourney(where, _valid(journey, file_name, where), lead_agency=lead)
    plan.agencies.update(agencies)

    sections = _sections(html_blocks(_text(details.get("more_information"))))
    start_host = _host(start)

    needed = sections.pop(None, [])
    need_items = [block for block in needed if block.kind == "item"]
    if need_items:
        stage = Stage(
            "What you need",
            "\n\n".join(b.text for b in needed if b.kind != "item"),
        )
        steps = []
        for block in need_items:
            if block.href:
                step, partner = _link_step(
                    block.text, block.href, optional=False, notes=[]
                )
            else:  # something to have ready, such as "a digital or signed photo"
                step, partner = Step(action=block.text, channel="other"), None
            steps.append(_owned(step, partner, block.href, start_host, lead, plan))
        plan.stages.append(PlannedStage(_valid(stage, file_name, where), steps))

    will_continue_on = _text(details.get("will_continue_on")).strip()
    action = (
        f"Check your eligibility and apply on {will_continue_on}"
        if will_continue_on
        else title
    )
    apply_step = Step(action=action, touchpoint=start, touchpoint_url=start)
    plan.stages.append(
        PlannedStage(
            _valid(
                Stage(
                    "Check eligibility and apply",
                    strip_html(_text(details.get("introductory_paragraph"))),
                ),
                file_name,
                where,
            ),
            [PlannedStep(_valid(apply_step, file_name, where), lead, supporters)],
        )
    )

    for heading, blocks in sections.items():
        items = [block for block in blocks if block.kind == "item"]
        if heading.lower() != "after you apply" or not items:
            result.skip(
                f"{where}, section '{heading}'",
                "page text, not a step of the journey",
            )
            continue
        stage = Stage(
            "After you apply",
            "\n\n".join(b.text for b in blocks if b.kind != "item"),
        )
        steps = []
        for block in items:
            step, partner = _link_step(block.text, block.href, optional=True, notes=[])
            steps.append(_owned(step, partner, block.href, start_host, lead, plan))
        plan.stages.append(PlannedStage(_valid(stage, file_name, where), steps))
    for planned_stage in plan.stages:
        for planned in planned_stage.steps:
            _valid(
                planned.step,
                file_name,
                f"{where}, step '{_short(planned.step.action)}'",
            )
    return plan


def _owned(
    step: Step,
    partner: str | None,
    href: str | None,
    start_host: str | None,
    lead: str | None,
    plan: PlannedJourney,
) -> PlannedStep:
    """A transaction page's step: owned by the lead agency when on its service."""
    if href and start_host and _host(href) == start_host:
        return PlannedStep(step, lead)
    if partner:
        plan.agencies.setdefault(partner, _partner(partner, href))
    return PlannedStep(step, partner)


def _sections(blocks: list[HtmlBlock]) -> dict[str | None, list[HtmlBlock]]:
    """Blocks grouped under the heading before them (None: before any heading)."""
    sections: dict[str | None, list[HtmlBlock]] = {None: []}
    current = None
    for block in blocks:
        if block.kind == "heading":
            current = block.text
            sections.setdefault(current, [])
        else:
            sections[current].append(block)
    return sections


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
