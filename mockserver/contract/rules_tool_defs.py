"""Tool definitions: unique names, one domain filter per search tool, betas for beta tools;
and a `tool_choice` that asks for tools the request offers."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Problem
from .rules_request import RuleRequest, mapping, problem

# Tool types only the beta Messages API knows, and the `anthropic-beta` values that
# unlock each (SDK 2.12.0 `types/beta`, api-surface.md §4).
_TOOL_BETAS: dict[str, frozenset[str]] = {
    "computer_20241022": frozenset({"computer-use-2024-10-22"}),
    "bash_20241022": frozenset({"computer-use-2024-10-22"}),
    "text_editor_20241022": frozenset({"computer-use-2024-10-22"}),
    "computer_20250124": frozenset({"computer-use-2025-01-24"}),
    "computer_20251124": frozenset({"computer-use-2025-11-24"}),
    "advisor_20260301": frozenset({"advisor-tool-2026-03-01"}),
    "mcp_toolset": frozenset({"mcp-client-2025-11-20", "mcp-client-2026-09-15"}),
}
_DOMAIN_FILTERED = ("web_search_", "web_fetch_")


def rule_unique_tool_names(req: RuleRequest) -> Iterator[Problem]:
    seen: set[str] = set()
    for _, tool in req.tools:
        name = tool.get("name")
        if not isinstance(name, str):
            continue  # toolsets have no name
        if name in seen:
            # Observed: microsoft/vscode #278073, anthropics/claude-code #10687.
            yield problem("unique_tool_names", "tools: Tool names must be unique.", "tools")
            return
        seen.add(name)


def rule_domain_filters(req: RuleRequest) -> Iterator[Problem]:
    for i, tool in req.tools:
        kind = tool.get("type")
        if not isinstance(kind, str) or not kind.startswith(_DOMAIN_FILTERED):
            continue
        where = f"tools.{i}.{kind}"
        for key in ("allowed_domains", "blocked_domains"):
            if tool.get(key) == []:
                # Observed: CherryHQ/cherry-studio #10374.
                yield problem(
                    "domain_filters",
                    f"{where}.{key}: Empty list of domains is ambiguous. Provide at least one "
                    "domain or null.",
                    f"{where}.{key}",
                )
        if tool.get("allowed_domains") and tool.get("blocked_domains"):
            # The API refuses both together (docs, "Web search tool"); wording is a guess
            # taken from Claude Code's own check of the same rule.
            yield problem(
                "domain_filters",
                f"{where}: Cannot specify both allowed_domains and blocked_domains in the same "
                "request",
                where,
            )


def rule_tool_betas(req: RuleRequest) -> Iterator[Problem]:
    for i, tool in req.tools:
        kind = tool.get("type")
        needed = _TOOL_BETAS.get(kind) if isinstance(kind, str) else None
        if needed and not needed & req.ctx.betas:
            beta = min(needed)
            # Wording is a guess: the API's own text for this case is not public.
            yield problem(
                "tool_betas",
                f"tools.{i}: The `{kind}` tool requires the `{beta}` beta. Add it to the "
                "`anthropic-beta` header.",
                f"tools.{i}",
            )


def rule_tool_choice_offered(req: RuleRequest) -> Iterator[Problem]:
    choice = mapping(req.body.get("tool_choice"))
    kind = choice.get("type")
    if kind not in ("auto", "any", "tool"):
        return  # `none` is accepted with or without tools
    if not req.tools:
        # Observed (gateways quote it, Bedrock passes it on): any choice but `none`.
        yield problem(
            "tool_choice_offered",
            "tool_choice may only be specified while providing tools.",
            "tool_choice",
        )
        return
    name = choice.get("name")
    if kind != "tool" or not isinstance(name, str):
        return
    names = [tool.get("name") for _, tool in req.tools]
    # A toolset (an MCP server's) has no name of its own but offers tools that may be
    # named: with one present, any name may be offered.
    if name not in names and all(isinstance(n, str) for n in names):
        yield problem(
            "tool_choice_offered",
            # Wording a guess: no report of the API's answer was found.
            f"tool_choice.tool.name: Tool '{name}' not found in tools",
            "tool_choice.tool.name",
        )
