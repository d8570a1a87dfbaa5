"""`incident role [ID] ROLE PERSON`: assign or hand over a role, logged."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.commands._complete import id_or
from incidentflow.commands._shared import at_option, event_time, now, open_workspace
from incidentflow.workflow.amend import assign_role


@click.command("role")
@click.argument(
    "args",
    nargs=-1,
    required=True,
    metavar="[ID] ROLE PERSON",
    shell_complete=id_or(roles_first=True),
)
@click.option("--reason", help="Why (a handoff at shift end, say); logged with it.")
@at_option("the role changed hands")
@click.option("--author", help="Who made the change; default: your git user.name.")
def command(args: tuple[str, ...], reason: str | None, at: str | None, author: str | None) -> None:
    """Give ROLE to PERSON (`nobody` frees it); the handoff is logged in timeline.md.

    Roles are configured (`roles:` in .incident.yaml; default commander, scribe, comms,
    ops). `commander` is incident.yaml's commander field. A role nobody holds is never
    required; `show`, `report`, `pr-body` and the postmortem's prompt list who held which
    role when.

    \b
    Examples:
      incident role scribe "Bo Li"
      incident role comms "Ana Ruiz" --reason "status page updates from now"
      incident role 2026-11-25-checkout commander "Kim Oh" --reason "shift change"
    """
    if len(args) == 3:
        query, role, person = args
    elif len(args) == 2:
        query, (role, person) = None, args
    else:
        raise click.UsageError('give ROLE and PERSON: incident role [ID] ROLE "NAME"')
    workspace = open_workspace()
    chosen = workspace.resolve_id(query, cwd=Path.cwd())
    lines = assign_role(
        workspace,
        chosen,
        role,
        person,
        reason=reason,
        author=author or workspace.git.user_name(),
        at=event_time(workspace, chosen, at, clock=now()),
    )
    for line in lines:
        click.echo(line)
