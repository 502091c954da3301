"""`anthropic-beta` values the API knows (api-surface.md §8 and §12, and newer clients).

§8 lists what SDK 2.12.0 knows; §12 adds what real clients were seen sending
(Claude Code, LiteLLM, the AI SDK, the SDKs' tool runners). The newest clients add the
rest: SDK 2.17's `AnthropicBetaParam`, Claude Code 2.1.332 and the AI SDK 4.x. All are
accepted; an unknown value is refused, as the API refuses it.
"""

from __future__ import annotations

KNOWN_BETAS: frozenset[str] = frozenset(
    {
        # SDK 2.12.0 `AnthropicBetaParam`
        "computer-use-2024-10-22",
        "computer-use-2025-01-24",
        "computer-use-2025-11-24",
        "output-128k-2025-02-19",
        "output-300k-2026-03-24",
        "mcp-client-2025-04-04",
        "mcp-client-2025-11-20",
        "mcp-client-2026-09-15",
        "dev-full-thinking-2025-05-14",
        "interleaved-thinking-2025-05-14",
        "code-execution-2025-05-22",
        "code-execution-2025-08-25",
        "context-1m-2025-08-07",
        "context-management-2025-06-27",
        "model-context-window-exceeded-2025-08-26",
        "fast-mode-2026-02-01",
        "user-profiles-2026-03-24",
        "user-profiles-2026-08-18",
        "user-profiles-2026-09-04",
        "user-profiles-billing-2026-10-01",
        "advisor-tool-2026-03-01",
        "managed-agents-2026-04-01",
        "dreaming-2026-04-21",
        "thinking-token-count-2026-05-13",
        "server-side-fallback-2026-06-01",
        "server-side-fallback-2026-07-01",
        "fallback-credit-2026-06-01",
        "fallback-credit-2026-07-01",
        "agent-memory-2026-07-22",
        "mid-conversation-tool-changes-2026-07-01",
        "mid-conversation-output-config-2026-07-01",
        "mid-conversation-system-clear-at-2026-08-21",
        "compact-2026-01-12",
        "compact-2026-09-04",
        "mcp-tunnels-2026-06-22",
        "structured-outputs-2025-11-13",
        "task-budgets-2026-03-13",
        "thinking-display-updates-2026-08-18",
        "thinking-binding-controls-2026-08-01",
        "inline-tools-2026-09-15",
        "ce-plugins-2026-09-01",
        "spend-limit-reads-2026-09-26",
        "telemetry-destinations-2026-08-11",
        "webhooks-2026-10-07",
        "admin-user-sign-out-2026-10-08",
        "message-threads-2026-08-12",
        "analytics-usage-cost-2026-08-24",
        "experimental-claude-tag-2026-10-21",
        "ce-claude-code-managed-settings-2026-10-06",
        # SDK 2.17 `AnthropicBetaParam` adds
        "efs-2026-10-01",
        "google-managed-data-controls-2026-09-01",
        # deprecated but still accepted
        "message-batches-2024-09-24",
        "prompt-caching-2024-07-31",
        "pdfs-2024-09-25",
        "token-counting-2024-11-01",
        "token-efficient-tools-2025-02-19",
        "files-api-2025-04-14",
        "extended-cache-ttl-2025-04-11",
        "skills-2025-10-02",
        "cache-diagnosis-2026-04-07",
        "ce-user-management-2026-07-13",
        # seen on the wire from real clients (§12)
        "claude-code-20250219",
        "prompt-caching-scope-2026-01-05",
        "mid-conversation-system-2026-04-07",
        "effort-2025-11-24",
        "structured-outputs-2025-12-15",
        "web-fetch-2025-09-10",
        "search-results-2025-06-09",
        "fine-grained-tool-streaming-2025-05-14",
        # Claude Code 2.1.332 on every request; the AI SDK 4.x adds advanced-tool-use by
        # itself for `defer_loading` tools and tool search
        "per-turn-control-2026-07-01",
        "advanced-tool-use-2025-11-20",
        # Claude Code in plan/auto mode, with a `safeguards` body field; the AI SDK 4.x
        # adds dangerous-tool-use with its `safeguards` option
        "dangerous-tool-use-2026-09-03",
        "afk-mode-2026-01-31",
        # the AI SDK 4.x with the 2026-02-09 web search / web fetch tools
        "code-execution-web-tools-2026-02-09",
    }
)
