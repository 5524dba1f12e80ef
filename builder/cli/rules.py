"""``budgetdoc 规则 [编号]``: a rule's explanation, from the rule registry (builder.check.explain)."""

from __future__ import annotations

import sys

import click

from builder.cli.common import EXIT_USAGE, cli


@cli.command(name="规则")
@click.argument("rule_id", required=False, metavar="[规则编号]")
def rules_command(rule_id: str | None) -> None:
    """说明一条检查规则：检查什么、级别、适用的文档；不写编号时列出全部规则。

    例：budgetdoc 规则 IND-COST-UNIT
    """
    from builder.check.explain import explain, rule_list, unknown

    if not rule_id:
        click.echo("\n".join(rule_list()))
        return
    text = explain(rule_id)
    if text is None:
        click.echo(unknown(rule_id), err=True)
        sys.exit(EXIT_USAGE)
    click.echo(text)
