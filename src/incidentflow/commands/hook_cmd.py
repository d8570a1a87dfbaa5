"""`incident hook [FILES…]`: the pre-commit hook (this module only provides its --help).

`incident hook` itself is dispatched before Click is imported, to keep commits fast.
"""

from __future__ import annotations

import click

from incidentflow.workflow.hook import run_hook_command


@click.command("hook", context_settings={"ignore_unknown_options": True})
@click.option("--all", "check_all", is_flag=True, help="Validate every incident in the index.")
@click.argument("files", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def command(ctx: click.Context, check_all: bool, files: tuple[str, ...]) -> None:
    """The pre-commit hook: check the incidents touched by FILES as staged in the index.

    A stage file may be committed only when every earlier stage is staged and meets its
    goal; the stage being committed may be unfinished. When a staged postmortem meets its
    goal and CHANGELOG.md lacks its entry, the entry is added and the hook exits 1 so you
    can review it, git add it and commit again.
    """
    ctx.exit(run_hook_command((["--all"] if check_all else []) + ["--", *files]))
