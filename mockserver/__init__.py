"""mockserver: a faithful local stand-in for the Anthropic Messages API."""

from __future__ import annotations

from .config import Config
from .errors import ApiError, Problem, ScenarioError
from .faults.ratelimit import RateLimits
from .faults.rules import Fault, FaultRule
from .report.journal import Exchange, Journal
from .report.redact import key_digest
from .report.summary import ContractReport
from .scripting.loader import load_scenario, load_scenarios
from .scripting.match import match
from .scripting.reply import ErrorReply, Reply
from .scripting.scenario import Scenario, Step, rule, step
from .scripting.stream_plan import Pacing, StreamFault, StreamPlan
from .server import MockServer
from .version import __version__

__all__ = [
    "ApiError",
    "Config",
    "ContractReport",
    "ErrorReply",
    "Exchange",
    "Fault",
    "FaultRule",
    "Journal",
    "MockServer",
    "Pacing",
    "Problem",
    "RateLimits",
    "Reply",
    "Scenario",
    "ScenarioError",
    "Step",
    "StreamFault",
    "StreamPlan",
    "__version__",
    "key_digest",
    "load_scenario",
    "load_scenarios",
    "match",
    "rule",
    "step",
]
