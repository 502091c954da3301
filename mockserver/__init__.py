"""mockserver: a faithful local stand-in for the Anthropic Messages API."""

from __future__ import annotations

from .config import Config
from .errors import ApiError, Problem, ScenarioError
from .faults import Fault, FaultRule
from .journal import Exchange, Journal
from .loader import load_scenario, load_scenarios
from .matchers import match
from .ratelimit import RateLimits
from .redact import key_digest
from .reply import ErrorReply, Reply
from .report import ContractReport
from .scenario import Scenario, Step, rule, step
from .server import MockServer
from .stream_plan import Pacing, StreamFault, StreamPlan
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
